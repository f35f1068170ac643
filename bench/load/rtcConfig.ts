import { useOPUS, useVP8 } from 'werift';
import type { IceCandidate } from '@amphi/protocol';
import type { RTCPeerConnection } from 'werift';

/**
 * werift's defaults that must be overridden for a LAN or an isolated namespace
 * (shared/notes/werift-load.md §5): no public STUN, one bundled transport, no IPv6.
 */
export function peerConfig() {
  return {
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle' as const,
    codecs: { audio: [useOPUS()], video: [useVP8()] },
  };
}

/** Adds a candidate the server relayed (Janus puts its own in the SDP too: failures do not matter). */
export async function addRemoteCandidate(pc: RTCPeerConnection, candidate: IceCandidate): Promise<void> {
  if (!candidate || !candidate.candidate) return;
  await pc
    .addIceCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined, sdpMLineIndex: candidate.sdpMLineIndex ?? undefined })
    .catch(() => {});
}
