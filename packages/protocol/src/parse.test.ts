import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERROR_CODES } from './errors.ts';
import { MAX_DISPLAY_NAME_LENGTH, MAX_SDP_LENGTH, MAX_SIGNALING_MESSAGE_BYTES } from './limits.ts';
import { parseClientMessage, type ParseResult } from './parse.ts';
import { CLIENT_MESSAGE_EXAMPLES, prng } from './examples.ts';
import { CLIENT_MESSAGE_TYPES, ClientMessage, REACTIONS, ServerMessage } from './signaling.ts';

const VALID = CLIENT_MESSAGE_EXAMPLES;

function parseObject(value: unknown): ParseResult<ClientMessage> {
  return parseClientMessage(JSON.stringify(value));
}

function expectError(result: ParseResult<ClientMessage>, code: string, rid?: number): void {
  assert.equal(result.ok, false, `expected ${code}, got ${JSON.stringify(result)}`);
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.rid, rid);
  assert.ok(result.message.length > 0);
}

/** The `error` frame the server would send back for a failed parse. */
function errorReply(result: Extract<ParseResult<ClientMessage>, { ok: false }>): unknown {
  return { type: 'error', code: result.code, message: result.message, ...(result.rid !== undefined ? { rid: result.rid } : {}) };
}

function assertServerMessage(message: unknown): void {
  const parsed = ServerMessage.safeParse(message);
  assert.ok(parsed.success, `not a valid ServerMessage: ${JSON.stringify(message)?.slice(0, 200)}: ${parsed.error?.message}`);
}

describe('parseClientMessage: valid messages', () => {
  test('the examples cover every client message type', () => {
    assert.deepEqual(Object.keys(VALID).sort(), [...CLIENT_MESSAGE_TYPES].sort());
  });

  for (const [type, message] of Object.entries(VALID)) {
    test(`${type} parses, as a string and as a Buffer`, () => {
      for (const raw of [JSON.stringify(message), Buffer.from(JSON.stringify(message), 'utf8')]) {
        const result = parseClientMessage(raw);
        assert.ok(result.ok, JSON.stringify(result));
        assert.deepEqual(result.message, message);
      }
    });
  }

  test('optional parts may be left out: no rid, end-of-candidates trickle, candidate without mid/index', () => {
    const noRid = parseObject({ type: 'ping' });
    assert.ok(noRid.ok);
    assert.equal(noRid.message.type, 'ping');
    assert.ok(parseObject({ type: 'trickle', target: 'subscriber', candidate: null }).ok);
    assert.ok(parseObject({ type: 'trickle', target: 'subscriber', candidate: { candidate: '' } }).ok);
  });

  test('the new optional parts: join with clientId and passcode, admit all, mute-all without allowUnmute, public chat, own hand, spotlight off', () => {
    const cases: Record<string, unknown>[] = [
      { ...VALID.join, clientId: 'aB3_-' + 'x'.repeat(11), passcode: 'S3cret42' },
      { ...VALID.join, clientId: 'c'.repeat(64) },
      { type: 'admit', participantId: 'all' },
      { type: 'mute-all' },
      { type: 'chat-send', text: 'to everyone' },
      { type: 'chat-send', text: 'to everyone', to: null },
      { type: 'lower-hand' },
      { type: 'spotlight', participantId: null },
      { type: 'set-permissions', permissions: {} },
      { type: 'set-role', participantId: 'p2', role: 'host' },
    ];
    for (const message of cases) {
      const result = parseObject(message);
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.message, message);
    }
  });

  test('chat text and a new display name are trimmed', () => {
    const chat = parseObject({ type: 'chat-send', text: '  hi  ' });
    assert.ok(chat.ok);
    assert.equal(chat.message.type === 'chat-send' && chat.message.text, 'hi');
    const rename = parseObject({ type: 'rename', participantId: 'p2', name: '  Grace  ' });
    assert.ok(rename.ok);
    assert.equal(rename.message.type === 'rename' && rename.message.name, 'Grace');
  });

  test('every reaction of the list is accepted', () => {
    for (const reaction of REACTIONS) assert.ok(parseObject({ type: 'react', reaction }).ok, reaction);
  });

  test('a display name is trimmed, and may be exactly the maximum length', () => {
    const longest = 'n'.repeat(MAX_DISPLAY_NAME_LENGTH);
    const result = parseObject({ ...VALID.join, name: `  ${longest}  ` });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.message.type === 'join' && result.message.name, longest);
  });

  test('an SDP of exactly the maximum length is accepted', () => {
    assert.ok(parseObject({ type: 'publish', sdp: 's'.repeat(MAX_SDP_LENGTH) }).ok);
  });

  test('unknown extra keys are ignored and dropped (forward compatibility), not passed inside', () => {
    const result = parseObject({ ...VALID['set-media'], shout: true, __proto__x: 1 });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.message, VALID['set-media']);
  });
});

describe('parseClientMessage: not a JSON object → protocol.malformed', () => {
  const cases: [string, string][] = [
    ['empty frame', ''],
    ['plain text', 'hello'],
    ['truncated JSON', '{"type":"ping"'],
    ['single quotes', "{'type':'ping'}"],
    ['JSON array', '[{"type":"ping"}]'],
    ['empty array', '[]'],
    ['JSON number', '42'],
    ['JSON string', '"ping"'],
    ['JSON true', 'true'],
    ['JSON null', 'null'],
  ];
  for (const [name, raw] of cases) {
    test(name, () => {
      expectError(parseClientMessage(raw), 'protocol.malformed');
      expectError(parseClientMessage(Buffer.from(raw)), 'protocol.malformed');
    });
  }

  test('invalid UTF-8 in a Buffer is malformed, not a crash', () => {
    expectError(parseClientMessage(Buffer.from([0xff, 0xfe, 0x7b, 0x7d, 0xc3])), 'protocol.malformed');
  });
});

describe('parseClientMessage: unknown type → protocol.unknown_type', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a type the server does not know', { type: 'hack-the-planet', rid: 9 }],
    ['a server → client type', { type: 'joined', rid: 10 }],
    ['a name inherited from Object.prototype', { type: 'toString', rid: 11 }],
    ['constructor', { type: 'constructor', rid: 12 }],
    ['wrong case', { type: 'PING', rid: 13 }],
    ['type is not a string', { type: 1, rid: 14 }],
    ['type is missing', { rid: 15 }],
    ['type is null', { type: null }],
  ];
  for (const [name, message] of cases) {
    test(`${name} (rid kept when there is one)`, () => {
      expectError(parseObject(message), 'protocol.unknown_type', message.rid as number | undefined);
    });
  }

  test('the message quotes the type, shortened', () => {
    const result = parseObject({ type: 'x'.repeat(1000) });
    assert.ok(!result.ok);
    assert.ok(result.message.length < 100, result.message);
  });
});

describe('parseClientMessage: schema violations → protocol.invalid', () => {
  const cases: [string, Record<string, unknown>, number | undefined][] = [
    ['empty name', { ...VALID.join, rid: 20, name: '' }, 20],
    ['name of spaces only', { ...VALID.join, rid: 21, name: '   ' }, 21],
    ['name longer than the maximum', { ...VALID.join, rid: 22, name: 'n'.repeat(MAX_DISPLAY_NAME_LENGTH + 1) }, 22],
    ['empty meeting id', { ...VALID.join, rid: 23, meetingId: '' }, 23],
    ['meeting id too long', { ...VALID.join, rid: 24, meetingId: 'm'.repeat(65) }, 24],
    ['join without audio', { type: 'join', rid: 25, meetingId: 'abc-defg-hjk', name: 'Ada', video: true }, 25],
    ['audio as a string', { ...VALID['set-media'], rid: 26, audio: 'true' }, 26],
    ['video as a number', { ...VALID['set-media'], rid: 27, video: 1 }, 27],
    ['sdp too long', { type: 'publish', rid: 28, sdp: 's'.repeat(MAX_SDP_LENGTH + 1) }, 28],
    ['empty sdp', { type: 'publish', rid: 29, sdp: '' }, 29],
    ['sdp not a string', { type: 'publish', rid: 30, sdp: { type: 'offer' } }, 30],
    ['negotiationId negative', { ...VALID['subscribe-answer'], rid: 31, negotiationId: -1 }, 31],
    ['negotiationId fractional', { ...VALID['subscribe-answer'], rid: 32, negotiationId: 1.5 }, 32],
    ['negotiationId as a string', { ...VALID['subscribe-answer'], rid: 33, negotiationId: '1' }, 33],
    ['trickle target unknown', { type: 'trickle', rid: 34, target: 'sideways', candidate: null }, 34],
    ['trickle candidate missing', { type: 'trickle', rid: 35, target: 'publisher' }, 35],
    ['trickle sdpMLineIndex out of range', { type: 'trickle', rid: 36, target: 'publisher', candidate: { candidate: 'c', sdpMLineIndex: 256 } }, 36],
    ['clientId too short', { ...VALID.join, rid: 37, clientId: 'short' }, 37],
    ['clientId too long', { ...VALID.join, rid: 38, clientId: 'c'.repeat(65) }, 38],
    ['clientId with other characters', { ...VALID.join, rid: 39, clientId: 'client id with spaces!' }, 39],
    ['passcode too long', { ...VALID.join, rid: 40, passcode: 'p'.repeat(65) }, 40],
    ['admit without participantId', { type: 'admit', rid: 41 }, 41],
    ['admit with an empty participantId', { type: 'admit', rid: 42, participantId: '' }, 42],
    ['participantId too long', { type: 'mute-participant', rid: 43, participantId: 'p'.repeat(65) }, 43],
    ['unknown role', { type: 'set-role', rid: 44, participantId: 'p2', role: 'admin' }, 44],
    ['rename to spaces only', { type: 'rename', rid: 45, participantId: 'p2', name: '   ' }, 45],
    ['rename longer than the maximum', { type: 'rename', rid: 46, participantId: 'p2', name: 'n'.repeat(MAX_DISPLAY_NAME_LENGTH + 1) }, 46],
    ['set-lock without locked', { type: 'set-lock', rid: 47 }, 47],
    ['set-permissions with a non-boolean', { type: 'set-permissions', rid: 48, permissions: { allowChat: 'no' } }, 48],
    ['mute-all allowUnmute as a string', { type: 'mute-all', rid: 49, allowUnmute: 'false' }, 49],
    ['empty chat text', { type: 'chat-send', rid: 50, text: '' }, 50],
    ['chat text of spaces only', { type: 'chat-send', rid: 51, text: '   ' }, 51],
    ['chat text over 2000 characters', { type: 'chat-send', rid: 52, text: 't'.repeat(2001) }, 52],
    ['chat to an empty recipient', { type: 'chat-send', rid: 53, text: 'hi', to: '' }, 53],
    ['a reaction outside the list', { type: 'react', rid: 54, reaction: '💩' }, 54],
    ['a reaction as text', { type: 'react', rid: 55, reaction: '<img src=x onerror=alert(1)>' }, 55],
    ['spotlight without participantId', { type: 'spotlight', rid: 56 }, 56],
    // A bad rid cannot be recovered: the error goes back without one.
    ['negative rid', { type: 'ping', rid: -1 }, undefined],
    ['fractional rid', { type: 'ping', rid: 1.5 }, undefined],
    ['rid as a string', { type: 'ping', rid: '7' }, undefined],
    ['rid above 2^31', { type: 'ping', rid: 2 ** 31 + 1 }, undefined],
  ];
  for (const [name, message, rid] of cases) {
    test(name, () => {
      const result = parseObject(message);
      expectError(result, 'protocol.invalid', rid);
      assert.ok(!result.ok);
      assertServerMessage(errorReply(result));
    });
  }

  test('the message says which field is wrong', () => {
    const result = parseObject({ ...VALID.join, name: '' });
    assert.ok(!result.ok);
    assert.match(result.message, /\bname\b/);
  });
});

describe('parseClientMessage: size limit → protocol.too_large', () => {
  const padded = (bytes: number, filler = 'a'): string => {
    const head = '{"type":"ping","pad":"';
    const tail = '"}';
    const fill = bytes - head.length - tail.length;
    return head + filler.repeat(fill / Buffer.byteLength(filler)) + tail;
  };

  test('a frame of exactly the limit is read', () => {
    const raw = padded(MAX_SIGNALING_MESSAGE_BYTES);
    assert.equal(Buffer.byteLength(raw), MAX_SIGNALING_MESSAGE_BYTES);
    assert.ok(parseClientMessage(raw).ok);
    assert.ok(parseClientMessage(Buffer.from(raw)).ok);
  });

  test('one byte more is too large, as a string and as a Buffer', () => {
    const raw = padded(MAX_SIGNALING_MESSAGE_BYTES + 1);
    expectError(parseClientMessage(raw), 'protocol.too_large');
    expectError(parseClientMessage(Buffer.from(raw)), 'protocol.too_large');
  });

  test('the limit counts UTF-8 bytes, not characters', () => {
    // 2-byte characters: fewer characters than the limit, more bytes.
    const raw = padded(MAX_SIGNALING_MESSAGE_BYTES + 2, 'é');
    assert.ok(raw.length < MAX_SIGNALING_MESSAGE_BYTES);
    expectError(parseClientMessage(raw), 'protocol.too_large');
    expectError(parseClientMessage(Buffer.from(raw)), 'protocol.too_large');
  });

  test('a huge frame is refused before it is parsed', () => {
    expectError(parseClientMessage('x'.repeat(10 * MAX_SIGNALING_MESSAGE_BYTES)), 'protocol.too_large');
  });
});

// ---------------------------------------------------------------------------
// Robustness: the parser never throws, whatever it is fed.


const ALPHABET = ['{', '}', '[', ']', '"', ':', ',', '\\', 'u', '0', '1', '-', '.', 'e', 'a', 'type', 'rid', 'null', 'true', ' ', 'é', '\u0000', '\ud800', '😀'];
const INTERESTING_KEYS = [
  'type',
  'rid',
  'sdp',
  'name',
  'meetingId',
  'audio',
  'video',
  'negotiationId',
  'target',
  'candidate',
  'clientId',
  'passcode',
  'participantId',
  'role',
  'locked',
  'permissions',
  'allowUnmute',
  'text',
  'to',
  'reaction',
  '__proto__',
  'constructor',
  'x',
];

function randomString(rand: () => number, max: number): string {
  let s = '';
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

function randomJson(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2: {
      const specials = [0, -1, 1.5, 2 ** 31, 2 ** 31 + 1, 2 ** 53, -0, 1e308, Math.floor(rand() * 100)];
      return specials[Math.floor(rand() * specials.length)];
    }
    case 3:
      return randomString(rand, 20);
    case 4:
      return CLIENT_MESSAGE_TYPES[Math.floor(rand() * CLIENT_MESSAGE_TYPES.length)];
    case 5:
      return ['publisher', 'subscriber', 'v=0\r\n', ''][Math.floor(rand() * 4)];
    case 6:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      // Often a known type, so that the schema checks (not only the type check) are reached.
      if (rand() < 0.3) obj.type = CLIENT_MESSAGE_TYPES[Math.floor(rand() * CLIENT_MESSAGE_TYPES.length)];
      const n = Math.floor(rand() * 7);
      for (let i = 0; i < n; i++) obj[INTERESTING_KEYS[Math.floor(rand() * INTERESTING_KEYS.length)]!] = randomJson(rand, depth + 1);
      return obj;
    }
  }
}

/** A valid message with one field replaced by a random value (or removed). */
function mutatedMessage(rand: () => number): Record<string, unknown> {
  const base = Object.values(VALID)[Math.floor(rand() * CLIENT_MESSAGE_TYPES.length)]!;
  const copy: Record<string, unknown> = { ...base };
  const keys = Object.keys(copy);
  const key = rand() < 0.8 ? keys[Math.floor(rand() * keys.length)]! : INTERESTING_KEYS[Math.floor(rand() * INTERESTING_KEYS.length)]!;
  if (rand() < 0.15) delete copy[key];
  else copy[key] = randomJson(rand, 2);
  return copy;
}

/** Every outcome must be usable as is: a valid message, or an error the server can send. */
function checkOutcome(input: string | Buffer, result: ParseResult<ClientMessage>): void {
  const shown = String(input).slice(0, 200);
  assert.equal(typeof result.ok, 'boolean', shown);
  if (result.ok) {
    assert.ok(ClientMessage.safeParse(result.message).success, shown);
  } else {
    assert.ok((ERROR_CODES as readonly string[]).includes(result.code), shown);
    assert.equal(typeof result.message, 'string', shown);
    assertServerMessage(errorReply(result));
  }
}

describe('parseClientMessage never throws', () => {
  const ROUNDS = 400;

  test('on random strings, as text and as Buffers', () => {
    const rand = prng(0xa3f1);
    for (let i = 0; i < ROUNDS; i++) {
      const s = randomString(rand, 40);
      for (const input of [s, Buffer.from(s)]) {
        let result: ParseResult<ClientMessage> | undefined;
        assert.doesNotThrow(() => (result = parseClientMessage(input)), `threw on ${JSON.stringify(s)}`);
        checkOutcome(input, result!);
      }
    }
  });

  test('on random JSON values', () => {
    const rand = prng(0x5eed);
    const seen = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      const raw = JSON.stringify(randomJson(rand, 0)) ?? 'null';
      let result: ParseResult<ClientMessage> | undefined;
      assert.doesNotThrow(() => (result = parseClientMessage(raw)), `threw on ${raw}`);
      checkOutcome(raw, result!);
      seen.add(result!.ok ? 'ok' : result!.code);
    }
    // The generator must reach past the first checks, or the test proves little.
    assert.ok(seen.has('protocol.malformed') && seen.has('protocol.unknown_type') && seen.has('protocol.invalid'), [...seen].join());
  });

  test('on valid messages with one field mutated', () => {
    const rand = prng(0xbeef);
    const seen = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      const raw = JSON.stringify(mutatedMessage(rand));
      let result: ParseResult<ClientMessage> | undefined;
      assert.doesNotThrow(() => (result = parseClientMessage(raw)), `threw on ${raw}`);
      checkOutcome(raw, result!);
      seen.add(result!.ok ? 'ok' : result!.code);
    }
    assert.ok(seen.has('ok') && seen.has('protocol.invalid'), [...seen].join());
  });
});

// ---------------------------------------------------------------------------
// Server → client: every message type has an example that validates.

describe('ServerMessage', () => {
  const participant = { id: 'p1', name: 'Ada', role: 'host', audio: true, video: false, hand: null, sharing: false, color: '#e53935', room: null, recordingLocally: false, reconnecting: false } as const;
  const breakouts = { status: 'open', rooms: [{ id: 'r1', name: 'Group A' }], assignments: { p2: 'r1' }, allowChoose: false, endsAt: '2025-03-01T12:10:00.000Z', closingAt: null, boards: ['r1'] };
  const state = {
    locked: false,
    permissions: { allowUnmute: true, allowChat: true, allowShare: false, allowRename: true, allowAnnotate: true, multiShare: false, allowLocalRecording: false },
    spotlight: 'p2',
    presentation: { kind: 'document', presenterId: 'p1', documentId: 'd1', view: { page: 2, zoom: 1, x: 0.5, y: 0.5 } },
    recording: { active: true, startedAt: '2025-03-01T12:00:00.000Z', paused: false },
  };
  const stroke = { id: 's1', tool: 'arrow', width: 0.004, points: [[0.1, 0.2], [0.3, 0.4]], authorId: 'p2', authorName: 'Bob', color: '#1e88e5' };
  const documentInfo = { id: 'd1', name: 'slides.pptx', pages: 12, downloadable: false, uploadedBy: { id: 'p1', name: 'Ada' } };
  const chatMessage = { id: 'm1', from: { id: 'p2', name: 'Bob' }, to: null, text: '<script>alert(1)</script>', at: '2025-03-01T12:00:00.000Z' };
  const waitingPerson = { id: 'w1', name: 'Gus', since: '2025-03-01T12:00:00.000Z' };
  const examples: Record<ServerMessage['type'], unknown> = {
    joined: {
      type: 'joined',
      rid: 1,
      meeting: { id: 'abc-defg-hjk', title: 'Physics 101' },
      self: participant,
      participants: [{ ...participant, id: 'p2', role: 'participant', hand: 1 }],
      iceServers: [{ urls: 'stun:stun.example.org' }, { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' }],
      state,
      chat: [chatMessage, { ...chatMessage, id: 'm2', to: { id: 'p1', name: 'Ada' } }],
      waiting: [waitingPerson],
      polls: [],
      documents: [documentInfo],
      breakouts,
      staff: true,
      token: 'tok',
      resume: { credential: 'B'.repeat(43), graceSeconds: 60 },
    },
    resumed: { type: 'resumed', rid: 9, credential: 'C'.repeat(43), snapshot: false },
    'publish-answer': { type: 'publish-answer', rid: 2, sdp: 'v=0\r\n' },
    'subscribe-offer': { type: 'subscribe-offer', negotiationId: 1, sdp: 'v=0\r\n', streams: [{ mid: '0', participantId: 'p2', kind: 'audio' }] },
    trickle: { type: 'trickle', target: 'subscriber', candidate: null },
    'participant-joined': { type: 'participant-joined', participant },
    'participant-updated': { type: 'participant-updated', participant: { ...participant, video: true, hand: 3 } },
    'participant-left': { type: 'participant-left', participantId: 'p2' },
    'meeting-ended': { type: 'meeting-ended', reason: 'ended-by-host', redirectUrl: 'https://univ.example/after' },
    'media-reset': { type: 'media-reset' },
    restarting: { type: 'restarting' },
    ok: { type: 'ok', rid: 3 },
    pong: { type: 'pong' },
    error: { type: 'error', rid: 4, code: 'protocol.invalid', message: 'invalid join: name: too short' },
    waiting: { type: 'waiting', rid: 5, meeting: { id: 'abc-defg-hjk', title: 'Physics 101' } },
    denied: { type: 'denied' },
    removed: { type: 'removed' },
    'waiting-list': { type: 'waiting-list', waiting: [waitingPerson] },
    'meeting-state': { type: 'meeting-state', state: { ...state, locked: true, spotlight: null } },
    moderated: { type: 'moderated', action: 'unmute-requested', by: 'Ada' },
    chat: { type: 'chat', message: chatMessage },
    reaction: { type: 'reaction', participantId: 'p2', reaction: '🎉' },
    speaking: { type: 'speaking', participantId: 'p2', speaking: true },
    documents: { type: 'documents', documents: [documentInfo] },
    breakouts: { type: 'breakouts', state: breakouts },
    'room-changed': { type: 'room-changed', room: 'r1', chat: [chatMessage] },
    'breakout-help': { type: 'breakout-help', participantId: 'p2', name: 'Bob', roomId: 'r1' },
    'breakout-message': { type: 'breakout-message', from: 'Ada', text: 'Five minutes left' },
    annotations: { type: 'annotations', surface: 'board', strokes: [stroke] },
    annotation: { type: 'annotation', surface: 'screen:p2', event: { kind: 'append', id: 's1', points: [[0.5, 0.5]] } },
    poll: { type: 'poll', poll: { id: 'q1', question: 'Ready?', kind: 'single', options: ['Yes', 'No'], anonymous: true, status: 'open' } },
    'poll-results': { type: 'poll-results', results: { pollId: 'q1', counts: [2, 1], voters: 3 } },
  };

  for (const [type, example] of Object.entries(examples)) {
    test(`${type} example validates`, () => assertServerMessage(example));
  }

  test('an error with a code outside the catalogue does not validate', () => {
    assert.equal(ServerMessage.safeParse({ type: 'error', code: 'protocol.oops', message: 'x' }).success, false);
  });

  test('what changed in existing messages is required: joined without state/chat/waiting, a participant without hand, meeting-ended without redirectUrl', () => {
    const joined = examples.joined as Record<string, unknown>;
    for (const key of ['state', 'chat', 'waiting']) {
      const { [key]: _dropped, ...rest } = joined;
      assert.equal(ServerMessage.safeParse(rest).success, false, `joined without ${key}`);
    }
    const { hand: _hand, ...noHand } = participant;
    assert.equal(ServerMessage.safeParse({ type: 'participant-joined', participant: noHand }).success, false);
    assert.equal(ServerMessage.safeParse({ type: 'meeting-ended', reason: 'ended-by-host' }).success, false);
    assert.ok(ServerMessage.safeParse({ type: 'meeting-ended', reason: 'server-shutdown', redirectUrl: null }).success);
  });

  test('moderated actions, roles and reactions are closed lists', () => {
    assert.equal(ServerMessage.safeParse({ type: 'moderated', action: 'kicked', by: 'Ada' }).success, false);
    assert.equal(ServerMessage.safeParse({ type: 'participant-joined', participant: { ...participant, role: 'admin' } }).success, false);
    assert.equal(ServerMessage.safeParse({ type: 'reaction', participantId: 'p2', reaction: 'x' }).success, false);
  });

  test('an unknown server message type does not validate', () => {
    assert.equal(ServerMessage.safeParse({ type: 'surprise' }).success, false);
  });
});

describe('annotate and present: bad input is refused with protocol.invalid', () => {
  const bad: [string, unknown][] = [
    ['a surface outside the three kinds', { type: 'annotate', surface: 'file:/etc/passwd', op: { kind: 'undo' } }],
    ['a document page 0', { type: 'annotate', surface: 'doc:d1:0', op: { kind: 'undo' } }],
    ['a point outside the content', { type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: 's1', tool: 'pen', width: 0.004, points: [[1.5, 0.2]] } } }],
    ['a stroke without points', { type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: 's1', tool: 'pen', width: 0.004, points: [] } } }],
    ['an unknown tool', { type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: 's1', tool: 'flamethrower', width: 0.004, points: [[0, 0]] } } }],
    ['a huge width', { type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: 's1', tool: 'pen', width: 3, points: [[0, 0]] } } }],
    ['a stroke id with odd characters', { type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: '../x', tool: 'pen', width: 0.004, points: [[0, 0]] } } }],
    ['too many points at once', { type: 'annotate', surface: 'board', op: { kind: 'append', id: 's1', points: Array.from({ length: 201 }, () => [0.5, 0.5]) } }],
    ['a zoom of 100', { type: 'present-view', view: { page: 1, zoom: 100, x: 0.5, y: 0.5 } }],
  ];
  for (const [what, message] of bad) {
    test(what, () => {
      const result = parseClientMessage(JSON.stringify(message));
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.code, 'protocol.invalid');
    });
  }
});
