/**
 * Largest signaling frame Amphi accepts; bigger frames get `protocol.too_large` and are dropped.
 * Sized for a subscriber answer with an audio m-line per participant of a 300-person meeting.
 */
export const MAX_SIGNALING_MESSAGE_BYTES = 256 * 1024;
/** Largest SDP accepted inside a message. */
export const MAX_SDP_LENGTH = 224 * 1024;
export const MAX_DISPLAY_NAME_LENGTH = 64;
export const MAX_MEETING_TITLE_LENGTH = 120;
/** Points in one annotation stroke, and in one `append` of points to it. */
export const MAX_STROKE_POINTS = 2000;
export const MAX_APPEND_POINTS = 200;
/** Strokes and points one annotated surface (a page, a screen, the whiteboard) holds. */
export const MAX_SURFACE_STROKES = 2000;
export const MAX_SURFACE_POINTS = 60_000;
/** Documents one meeting holds at once. */
export const MAX_MEETING_DOCUMENTS = 20;

/** Co-hosts an organiser may name in advance on one meeting. */
export const MAX_COHOSTS = 20;
