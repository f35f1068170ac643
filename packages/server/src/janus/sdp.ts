/** The audio and video m-lines of an SDP, with their mids, in order. */
export function sdpMedia(sdp: string): { kind: string; mid: string | undefined }[] {
  const sections = sdp.split(/\r?\nm=/).slice(1);
  return sections.map((section) => {
    const kind = section.slice(0, section.indexOf(' '));
    const mid = /\r?\na=mid:([^\r\n]+)/.exec(section)?.[1]?.trim();
    return { kind, mid };
  });
}
