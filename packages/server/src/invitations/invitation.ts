import { nextOccurrence, occurrences, type Schedule } from '../domain/Schedule.ts';
import { meetingIcs } from './ics.ts';

export type Language = 'en' | 'fr';

export interface InvitationInput {
  meetingId: string;
  title: string;
  description: string;
  link: string;
  passcode: string | null;
  schedule: Schedule | null;
  organiser: { name: string; email: string };
  /** Host name of the deployment, for calendar UIDs. */
  domain: string;
  now: Date;
}

const WORDS = {
  en: {
    subject: (title: string) => `Invitation: ${title}`,
    invites: (name: string) => `${name} invites you to an Amphi meeting.`,
    title: 'Title',
    when: 'When',
    daily: (until: string) => `every day until ${until}`,
    weekly: (until: string) => `every week until ${until}`,
    join: 'Join',
    passcode: 'Passcode',
    noAccount: 'You need no account: open the link in a web browser on a computer or a phone, with a camera and microphone if you want to be seen and heard.',
    unscheduled: 'Any time: the link stays valid.',
  },
  fr: {
    subject: (title: string) => `Invitation : ${title}`,
    invites: (name: string) => `${name} vous invite à une réunion Amphi.`,
    title: 'Titre',
    when: 'Quand',
    daily: (until: string) => `tous les jours jusqu’au ${until}`,
    weekly: (until: string) => `toutes les semaines jusqu’au ${until}`,
    join: 'Rejoindre',
    passcode: 'Code secret',
    noAccount: 'Aucun compte n’est nécessaire : ouvrez le lien dans un navigateur, sur un ordinateur ou un téléphone, avec une caméra et un micro pour être vu·e et entendu·e.',
    unscheduled: 'À tout moment : le lien reste valable.',
  },
} as const;

function when(schedule: Schedule, lang: Language, now: Date): string {
  const w = WORDS[lang];
  const first = nextOccurrence(schedule, now) ?? occurrences(schedule)[0]!;
  const fmt = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: schedule.timeZone });
  let text = `${fmt.format(first.start)} (${schedule.timeZone}), ${schedule.durationMinutes} min`;
  if (schedule.recurrence) {
    const until = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${schedule.recurrence.until}T12:00:00Z`));
    text += `, ${schedule.recurrence.freq === 'daily' ? w.daily(until) : w.weekly(until)}`;
  }
  return text;
}

/** The invitation as plain text, in French or English ("copy invitation" and the email body). */
export function invitationText(input: InvitationInput, lang: Language): string {
  const w = WORDS[lang];
  const lines = [w.invites(input.organiser.name), '', `${w.title}: ${input.title}`];
  if (input.description) lines.push('', input.description);
  lines.push('', `${w.when}: ${input.schedule ? when(input.schedule, lang, input.now) : w.unscheduled}`, '', `${w.join}: ${input.link}`);
  if (input.passcode) lines.push(`${w.passcode}: ${input.passcode}`);
  lines.push('', w.noAccount);
  return lines.join('\n') + '\n';
}

export function invitationSubject(input: InvitationInput, lang: Language): string {
  return WORDS[lang].subject(input.title);
}

/** The .ics for a scheduled meeting (undefined when it has no date). */
export function invitationIcs(input: InvitationInput, lang: Language): string | undefined {
  if (!input.schedule) return undefined;
  return meetingIcs({
    uid: `${input.meetingId}@${input.domain}`,
    title: input.title,
    description: invitationText(input, lang),
    url: input.link,
    organiser: input.organiser,
    schedule: input.schedule,
    now: input.now,
  });
}
