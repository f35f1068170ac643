import type { IceCandidate, PeerTarget } from '@amphi/protocol';
import type { TypedEmitter } from '../TypedEmitter.ts';

/** What the domain needs from a media server (Janus in production, a fake in domain tests). */
export interface MediaBackend extends TypedEmitter<MediaBackendEvents> {
  /** True while the media server answers. */
  readonly available: boolean;
  /** Opens a media room for a live meeting. Throws AppError('media.unavailable') when down. */
  openRoom(label: string): Promise<MediaRoom>;
  close(): Promise<void>;
}

export type MediaBackendEvents = {
  /** The media server went away: every room and peer is dead. */
  down: () => void;
  /** The media server is back with nothing in it: rooms and peers must be created again. */
  reset: () => void;
};

export interface MediaRoom {
  readonly id: number;
  /** Opens the media side of one participant in this room. */
  openPeer(display: string): Promise<MediaPeer>;
  /**
   * Records every stream published in the room into `dir` (one file per stream, Janus's .mjr),
   * from now on and for whoever publishes later; null stops (the files are then complete).
   */
  setRecording(dir: string | null): Promise<void>;
  /** Destroys the room; safe to call twice and after a reset. */
  close(): Promise<void>;
}

/** Which media a publisher sends. */
export interface Sending {
  audio: boolean;
  video: boolean;
}

/** One published stream: a publisher's feed and the mid of one of its m-lines. */
export interface StreamRef {
  feedId: number;
  mid: string;
  /**
   * For a camera sent in several sizes (simulcast): the small or the best layer ('high' when
   * unsaid). Not part of the stream's identity: changing it renegotiates nothing.
   */
  layer?: VideoLayer;
}

export type VideoLayer = 'low' | 'high';

/** One m-line of a subscription: which publisher stream and media kind it carries. */
export interface SubscribedMedia {
  /** The m-line's mid in the subscriber PeerConnection. */
  mid: string;
  feedId: number;
  /** The mid of the stream in the publisher's PeerConnection. */
  feedMid: string;
  kind: 'audio' | 'video';
}

export interface SubscriptionOffer {
  sdp: string;
  streams: SubscribedMedia[];
}

/** Which m-lines of a publisher carry what. */
export interface PublishedMids {
  audio?: string;
  video?: string;
  /** A shared screen, window or tab. */
  screen?: string;
  /** A shared tab's sound. */
  screenAudio?: string;
}

/** The m-lines of a shared screen in a publisher offer. */
export interface ScreenMids {
  video: string;
  audio?: string | undefined;
}

/**
 * The media side of one participant: a publisher PeerConnection and one multistream
 * subscriber PeerConnection, both terminated on the media server.
 */
export interface MediaPeer extends TypedEmitter<MediaPeerEvents> {
  /** The publisher's feed id, known once publish() has succeeded. */
  readonly feedId: number | undefined;
  /** The mids of what the publisher sends, known once publish() has succeeded. */
  readonly publishedMids: PublishedMids;
  /**
   * Takes the browser's publisher offer (the first, or a renegotiation adding a screen) and
   * returns the media server's answer. `screen` names the m-lines that carry a shared screen
   * and its sound.
   */
  publish(offerSdp: string, sending: Sending, screen?: ScreenMids): Promise<string>;
  /** Starts or stops relaying the publisher's audio / video (muting stops the packets). */
  setSending(sending: Sending): Promise<void>;
  /**
   * Changes which publisher streams the subscriber PeerConnection receives. Returns the new
   * offer for the browser, or null when the media server had nothing to renegotiate.
   */
  updateSubscription(change: { add: StreamRef[]; remove: StreamRef[] }): Promise<SubscriptionOffer | null>;
  /**
   * The browser's receiving connection lost its network path (a new address, a long cut): the
   * media server offers it again with new ICE credentials (an ICE restart), keeping every stream.
   * Null when nothing is subscribed.
   */
  restartSubscriberIce(): Promise<SubscriptionOffer | null>;
  /** Switches subscribed cameras to another layer (no renegotiation). */
  setLayers(streams: StreamRef[]): Promise<void>;
  /** Hands the browser's answer to the latest subscription offer to the media server. */
  answerSubscription(answerSdp: string): Promise<void>;
  trickle(target: PeerTarget, candidate: IceCandidate): Promise<void>;
  /** Unpublishes, leaves and releases everything; safe to call twice. */
  close(): Promise<void>;
}

export type MediaPeerEvents = {
  /** An ICE candidate from the media server for one of the two PeerConnections. */
  trickle: (target: PeerTarget, candidate: IceCandidate) => void;
  /** The publisher PeerConnection is up: its feed can now be subscribed to. */
  publisherUp: (feedId: number) => void;
  /** The publisher started or stopped talking (audio level above the threshold for a while). */
  talking: (talking: boolean) => void;
  /** A PeerConnection was torn down by the media server (ICE failure, DTLS alert…). */
  hangup: (target: PeerTarget, reason: string) => void;
};
