import type { MeetingSession } from '../../core/MeetingSession.ts';
import { useI18n } from '../../ui/i18n.tsx';

import { Annotated } from './Annotated.tsx';

/** The whiteboard: a blank 16:9 page everyone may draw on (as hosts allow). */
export function WhiteboardItem({ session, surface, controls }: { session: MeetingSession; surface: string; controls: React.ReactNode }) {
  const { t } = useI18n();
  return (
    <Annotated session={session} surface={surface} aspect={16 / 9} label={t('stage.whiteboard')} fileName="amphi-whiteboard" testId="whiteboard" controls={controls}>
      {() => <div className="stage-content whiteboard-page" />}
    </Annotated>
  );
}
