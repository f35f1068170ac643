import { useState, type FormEvent } from 'react';
import type { PollDraft } from '@amphi/protocol';
import { useI18n } from './i18n.tsx';

/**
 * The form for writing a poll, shared by the meeting's page (prepared polls) and the polls
 * panel (launched at once). `onSubmit` resolves true when the poll was taken.
 */
export function PollForm({ onSubmit, submitLabel }: { onSubmit: (draft: PollDraft) => Promise<boolean>; submitLabel: string }) {
  const { t } = useI18n();
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState('');
  const [multiple, setMultiple] = useState(false);
  const [anonymous, setAnonymous] = useState(true);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const list = options.split('\n').map((o) => o.trim()).filter(Boolean);
    if (await onSubmit({ question: question.trim(), options: list, kind: multiple ? 'multiple' : 'single', anonymous })) {
      setQuestion('');
      setOptions('');
    }
  };
  return (
    <form className="poll-form" onSubmit={submit}>
      <label>
        {t('polls.question')}
        <input required maxLength={300} value={question} onChange={(e) => setQuestion(e.target.value)} />
      </label>
      <label>
        {t('polls.options')}
        <textarea required rows={3} value={options} onChange={(e) => setOptions(e.target.value)} />
      </label>
      <label className="toggle">
        <input type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} />
        {t('polls.multiple')}
      </label>
      <label className="toggle">
        <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
        {t('polls.anonymous')}
      </label>
      <button type="submit" className="primary small">
        {submitLabel}
      </button>
    </form>
  );
}
