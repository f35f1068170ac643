import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Janode from 'janode';
import VideoRoomPlugin, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import { WebSocketServer } from 'ws';

/**
 * The least a web app can do to put a browser on Janus: a page and a WebSocket relay that
 * calls janode directly (no rooms logic, no validation, no state). Benchmarks run the same
 * publish/subscribe through it to show what Amphi adds.
 */
export async function startJanodeBaseline(janus: { url: string; apiSecret: string; adminKey: string }): Promise<{ url: string; waitForPublisherUp: (feed: number) => Promise<void>; close: () => Promise<void> }> {
  Janode.Logger.setLevel('none');
  const connection = await Janode.connect({ address: { url: janus.url, apisecret: janus.apiSecret } });
  const manager = await (await connection.create()).attach(VideoRoomPlugin);
  const room = crypto.randomInt(1, 2 ** 31 - 1);
  await manager.create({ room, admin_key: janus.adminKey, max_publishers: 100, bitrate: 768_000 });
  const upFeeds = new Set<number>();
  const upWaiters = new Map<number, () => void>();

  const page = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'baselinePage.html'));
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page);
  });
  const wss = new WebSocketServer({ server, path: '/relay' });
  wss.on('connection', async (socket) => {
    const session = await connection.create();
    const pub = await session.attach(VideoRoomPlugin);
    let sub: VideoRoomHandle | undefined;
    let feed = 0;
    const send = (m: object) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m));
    const relayTrickle = (target: string) => (d: { completed?: boolean; candidate?: string; sdpMid?: string; sdpMLineIndex?: number }) =>
      send({ type: 'trickle', target, candidate: d.completed ? null : { candidate: d.candidate, sdpMid: d.sdpMid, sdpMLineIndex: d.sdpMLineIndex } });
    pub.on(Janode.EVENT.HANDLE_TRICKLE, relayTrickle('pub'));
    pub.on(Janode.EVENT.HANDLE_WEBRTCUP, () => {
      upFeeds.add(feed);
      upWaiters.get(feed)?.();
    });
    socket.on('message', async (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; type: string; sdp?: string; feed?: number; target?: string; candidate?: object | null };
      if (m.type === 'publish') {
        const joined = (await pub.joinPublisher({ room, display: 'baseline' })) as { feed: number };
        feed = joined.feed;
        const reply = (await pub.configure({ jsep: { type: 'offer', sdp: m.sdp } })) as { jsep: { sdp: string } };
        send({ id: m.id, sdp: reply.jsep.sdp, feed });
      } else if (m.type === 'subscribe') {
        sub = await session.attach(VideoRoomPlugin);
        sub.on(Janode.EVENT.HANDLE_TRICKLE, relayTrickle('sub'));
        const reply = (await sub.joinSubscriber({ room, streams: [{ feed: m.feed }] })) as { jsep: { sdp: string } };
        send({ id: m.id, sdp: reply.jsep.sdp });
      } else if (m.type === 'start') {
        await sub!.start({ jsep: { type: 'answer', sdp: m.sdp } });
        send({ id: m.id });
      } else if (m.type === 'trickle') {
        await (m.target === 'pub' ? pub : sub)?.trickle(m.candidate ?? null).catch(() => {});
      }
    });
    socket.on('close', async () => {
      await pub.unpublish().catch(() => {});
      await session.destroy().catch(() => {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    waitForPublisherUp: (f) => (upFeeds.has(f) ? Promise.resolve() : new Promise((resolve) => upWaiters.set(f, resolve))),
    async close() {
      wss.close();
      server.close();
      await manager.destroy({ room, admin_key: janus.adminKey }).catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

/** Reads the Janus address and secrets that Amphi wrote for its own Janus. */
export function janusOfAmphi(dataDir: string): { url: string; apiSecret: string; adminKey: string } {
  const main = fs.readFileSync(path.join(dataDir, 'janus/janus.jcfg'), 'utf8');
  const ws = fs.readFileSync(path.join(dataDir, 'janus/janus.transport.websockets.jcfg'), 'utf8');
  const vr = fs.readFileSync(path.join(dataDir, 'janus/janus.plugin.videoroom.jcfg'), 'utf8');
  return {
    url: `ws://127.0.0.1:${/ws_port = (\d+)/.exec(ws)![1]}`,
    apiSecret: /api_secret = "([^"]+)"/.exec(main)![1]!,
    adminKey: /admin_key = "([^"]+)"/.exec(vr)![1]!,
  };
}
