import type { MeetingRecord } from '../storage/MeetingRepository.ts';

/*
 * The few pages Amphi shows inside a learning platform's launch (its iframe or a new window):
 * server-rendered, no framework, French or English after the launch's locale. Scripts and
 * styles come from /lti/assets/ (the pages' CSP allows 'self' only); each page works without
 * the script, which only submits auto-submitted forms.
 */

const MESSAGES = {
  en: {
    open: 'Open Amphi in a new window',
    openHint: 'Camera, microphone and screen sharing work best in a window of their own.',
    wait: 'Waiting for your teacher',
    waitText: 'Your teacher has not opened this meeting yet. Come back to it from the course once they have.',
    refused: 'Amphi could not open this launch',
    again: 'Go back to the course and open the activity again.',
    pickTitle: 'Add an Amphi meeting',
    newMeeting: 'A new meeting',
    meetingName: 'Meeting name',
    existing: 'A meeting already used in this platform',
    choose: 'Add to the course',
    sending: 'Sending to the platform…',
    continue: 'Continue',
    breakouts: 'Pre-assign breakout rooms from the course groups',
    breakoutsDone: 'Breakout rooms prepared from the course groups: {rooms} rooms, {people} students.',
    registered: 'Amphi is registered with this platform. Activate the tool in the platform to use it.',
  },
  fr: {
    open: 'Ouvrir Amphi dans une nouvelle fenêtre',
    openHint: "La caméra, le micro et le partage d'écran fonctionnent mieux dans une fenêtre à part.",
    wait: 'En attente de votre enseignant',
    waitText: "Votre enseignant n'a pas encore ouvert cette réunion. Revenez-y depuis le cours quand ce sera fait.",
    refused: "Amphi n'a pas pu ouvrir ce lancement",
    again: "Revenez au cours et ouvrez l'activité de nouveau.",
    pickTitle: 'Ajouter une réunion Amphi',
    newMeeting: 'Une nouvelle réunion',
    meetingName: 'Nom de la réunion',
    existing: 'Une réunion déjà utilisée sur cette plateforme',
    choose: 'Ajouter au cours',
    sending: 'Envoi à la plateforme…',
    continue: 'Continuer',
    breakouts: 'Préparer les sous-salles à partir des groupes du cours',
    breakoutsDone: 'Sous-salles préparées à partir des groupes du cours : {rooms} salles, {people} étudiants.',
    registered: "Amphi est enregistré auprès de cette plateforme. Activez l’outil dans la plateforme pour l’utiliser.",
  },
} as const;

export type PageLang = keyof typeof MESSAGES;
type Key = keyof (typeof MESSAGES)['en'];

export function langOf(locale: string | undefined): PageLang {
  return locale?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

function t(lang: PageLang, key: Key, vars: Record<string, string | number> = {}): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(lang: PageLang, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Amphi</title><link rel="stylesheet" href="/lti/assets/lti.css"></head>
<body><main>${body}</main><script src="/lti/assets/lti.js"></script></body></html>`;
}

/** Inside the platform's iframe: a link that opens the pre-join page in a window of its own. */
export function openInWindowPage(lang: PageLang, joinUrl: string, breakoutGrant: string | undefined): string {
  const breakouts = breakoutGrant
    ? `<form method="post" action="/lti/breakouts"><input type="hidden" name="grant" value="${escapeHtml(breakoutGrant)}"><button type="submit" class="secondary">${escapeHtml(t(lang, 'breakouts'))}</button></form>`
    : '';
  return page(lang, 'Amphi', `<h1>Amphi</h1><p>${escapeHtml(t(lang, 'openHint'))}</p>
<p><a class="button" data-testid="lti-open" href="${escapeHtml(joinUrl)}" target="_blank" rel="noopener">${escapeHtml(t(lang, 'open'))}</a></p>${breakouts}`);
}

export function waitingPage(lang: PageLang, title: string): string {
  return page(lang, t(lang, 'wait'), `<h1 data-testid="lti-waiting">${escapeHtml(t(lang, 'wait'))}</h1>${title ? `<p><strong>${escapeHtml(title)}</strong></p>` : ''}<p>${escapeHtml(t(lang, 'waitText'))}</p>`);
}

export function refusedPage(lang: PageLang, code: string, message: string): string {
  return page(lang, t(lang, 'refused'), `<h1>${escapeHtml(t(lang, 'refused'))}</h1><p data-error-code="${escapeHtml(code)}">${escapeHtml(message)}</p><p>${escapeHtml(t(lang, 'again'))}</p>`);
}

export function messagePage(lang: PageLang, key: 'breakoutsDone', vars: Record<string, number>): string {
  return page(lang, 'Amphi', `<p data-testid="lti-message">${escapeHtml(t(lang, key, vars))}</p>`);
}

/** The end of a dynamic registration: tells the platform's window to close (LTI Dynamic Registration §3.6.4). */
export function registeredPage(lang: PageLang): string {
  return page(lang, 'Amphi', `<p data-testid="lti-registered" data-lti-close>${escapeHtml(t(lang, 'registered'))}</p>`);
}

/** The deep-linking picker: name a new meeting, or pick one this platform already uses. */
export function deepLinkPickerPage(lang: PageLang, token: string, suggestedTitle: string, meetings: MeetingRecord[], offerBreakouts: boolean): string {
  const breakouts = offerBreakouts ? `<p><label><input type="checkbox" name="breakouts" value="1"> ${escapeHtml(t(lang, 'breakouts'))}</label></p>` : '';
  const existing = meetings.length
    ? `<fieldset><legend>${escapeHtml(t(lang, 'existing'))}</legend>${meetings
        .map((m) => `<label><input type="radio" name="meeting" value="${escapeHtml(m.id)}"> ${escapeHtml(m.title)}</label>`)
        .join('')}</fieldset>`
    : '';
  return page(lang, t(lang, 'pickTitle'), `<h1>${escapeHtml(t(lang, 'pickTitle'))}</h1>
<form method="post" action="/lti/deep-link"><input type="hidden" name="token" value="${escapeHtml(token)}">
<fieldset><legend><label><input type="radio" name="meeting" value="" checked> ${escapeHtml(t(lang, 'newMeeting'))}</label></legend>
<label for="title">${escapeHtml(t(lang, 'meetingName'))}</label> <input id="title" name="title" maxlength="200" value="${escapeHtml(suggestedTitle)}"></fieldset>
${existing}${breakouts}<button type="submit">${escapeHtml(t(lang, 'choose'))}</button></form>`);
}

/** Posts the signed deep-linking response back to the platform (submitted by the script, or by hand). */
export function autoPostPage(lang: PageLang, action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return page(lang, t(lang, 'sending'), `<p>${escapeHtml(t(lang, 'sending'))}</p><form method="post" action="${escapeHtml(action)}" data-autosubmit>${inputs}<button type="submit">${escapeHtml(t(lang, 'continue'))}</button></form>`);
}

export const LTI_SCRIPT = `// Submits the forms Amphi's LTI pages mark for it (the deep-linking response).
for (const form of document.querySelectorAll('form[data-autosubmit]')) form.submit();
// The end of a dynamic registration: the platform closes the window or frame it opened.
if (document.querySelector('[data-lti-close]')) (window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
`;

export const LTI_STYLES = `body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;color:#1d2430;background:#fff}
main{max-width:36rem;margin:auto}h1{font-size:1.4rem}
a.button,button{display:inline-block;padding:.6rem 1rem;border-radius:.4rem;border:0;background:#1f5fbf;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer}
button.secondary{background:#e8eef8;color:#1d2430;margin-top:1rem}
fieldset{border:1px solid #ccd;border-radius:.4rem;margin:0 0 1rem}label{display:block;margin:.3rem 0}input[name=title]{width:100%;padding:.4rem}
a:focus,button:focus,input:focus{outline:3px solid #f0a500;outline-offset:2px}
`;
