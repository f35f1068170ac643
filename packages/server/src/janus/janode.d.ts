// janode ships no types; this declares the small surface Amphi uses. Replies from Janus are
// typed `unknown` here on purpose: JanusPeer parses them before trusting them.
declare module 'janode' {
  export interface JanodeHandle {
    on(event: string, listener: (data: any) => void): void;
    once(event: string, listener: (data: any) => void): void;
    removeAllListeners(event?: string): void;
    trickle(candidate: object | null): Promise<unknown>;
    detach(): Promise<unknown>;
  }
  export interface JanodeSession {
    attach<H>(plugin: { Handle: new (...args: any[]) => H }): Promise<H & JanodeHandle>;
    destroy(): Promise<unknown>;
    on(event: string, listener: (data: any) => void): void;
  }
  export interface JanodeConnection {
    create(ka_interval?: number): Promise<JanodeSession>;
    close(): Promise<unknown>;
    once(event: string, listener: (data: any) => void): void;
    on(event: string, listener: (data: any) => void): void;
    removeAllListeners(event?: string): void;
  }
  const Janode: {
    connect(config: { address: { url: string; apisecret?: string }; retry_time_secs?: number; max_retries?: number; is_admin?: boolean }): Promise<JanodeConnection>;
    EVENT: Record<
      | 'CONNECTION_CLOSED'
      | 'SESSION_DESTROYED'
      | 'HANDLE_DETACHED'
      | 'HANDLE_ICE_FAILED'
      | 'HANDLE_HANGUP'
      | 'HANDLE_MEDIA'
      | 'HANDLE_WEBRTCUP'
      | 'HANDLE_SLOWLINK'
      | 'HANDLE_TRICKLE'
      | 'CONNECTION_ERROR',
      string
    >;
    Logger: { setLevel(level: string): void };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { JanodeHandle } from 'janode';
  export interface VideoRoomHandle extends JanodeHandle {
    create(params: Record<string, unknown>): Promise<unknown>;
    destroy(params: Record<string, unknown>): Promise<unknown>;
    joinPublisher(params: Record<string, unknown>): Promise<unknown>;
    configure(params: Record<string, unknown>): Promise<unknown>;
    unpublish(): Promise<unknown>;
    leave(): Promise<unknown>;
    joinSubscriber(params: Record<string, unknown>): Promise<unknown>;
    update(params: Record<string, unknown>): Promise<unknown>;
    start(params: Record<string, unknown>): Promise<unknown>;
    enable_recording(params: { room: number; secret: string; record: boolean }): Promise<unknown>;
    /** A raw plugin request (for requests janode has no helper for, such as edit). */
    message(body: Record<string, unknown>): Promise<unknown>;
  }
  const VideoRoomPlugin: {
    Handle: new (...args: any[]) => VideoRoomHandle;
    EVENT: Record<string, string>;
  };
  export default VideoRoomPlugin;
}
