/**
 * Largest signaling frame Amphi accepts; bigger frames get `protocol.too_large` and are dropped.
 * Sized for a subscriber answer with an audio m-line per participant of a 300-person meeting.
 */
export const MAX_SIGNALING_MESSAGE_BYTES = 256 * 1024;
/** Largest SDP accepted inside a message. */
export const MAX_SDP_LENGTH = 224 * 1024;
export const MAX_DISPLAY_NAME_LENGTH = 64;
export const MAX_MEETING_TITLE_LENGTH = 120;
