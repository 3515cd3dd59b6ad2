import { describe, expect, it } from 'vitest';
import {
  mapBlockActions,
  mapEventCallback,
  mapSlashCommand,
  mapViewSubmission,
  parseCommandText,
  slackTextToPlain,
} from '../../src/adapters/slack/ingress.js';
import { encodeFormMetadata, FORM_CALLBACK_ID, OPEN_FORM_ACTION_PREFIX } from '../../src/adapters/slack/render.js';
import { blockAction, messageEvent, slashCommand, viewSubmission } from '../support/fake-slack.js';

describe('Slack message events -> IncomingEvents', () => {
  it.each([
    ['plain text', { text: 'halo' }, { kind: 'text', payload: 'halo' }],
    ['a command typed with a slash', { text: '/penilaian' }, { kind: 'command', payload: 'penilaian', args: [] }],
    ['a command with arguments, name lower-cased', { text: '/Start ABCD-1234 x' }, { kind: 'command', payload: 'start', args: ['ABCD-1234', 'x'] }],
    ['a word without slash stays text (the engine knows its aliases)', { text: 'penilaian' }, { kind: 'text', payload: 'penilaian' }],
    ['entities decoded back to what was typed', { text: 'target &lt;5 &amp; &gt;2' }, { kind: 'text', payload: 'target <5 & >2' }],
    ['a link Slack wrapped becomes the URL', { text: '<https://drive.example.go.id/a?b=1|drive.example.go.id/a>' }, { kind: 'text', payload: 'https://drive.example.go.id/a?b=1' }],
  ])('%s', (_name, input, expected) => {
    const body = messageEvent({ user: 'U1', channel: 'D1', eventId: 'Ev1', ...input });
    const mapped = mapEventCallback(body);
    expect(mapped?.events).toHaveLength(1);
    expect(mapped!.events[0]).toMatchObject({ platform: 'slack', platformUserId: 'U1', chatId: 'D1', eventId: 'Ev1', ...expected });
    expect(mapped!.isDirect).toBe(true);
    expect(mapped!.threadTs).toBeUndefined();
    expect(mapped!.onlyInOurThread).toBeUndefined();
  });

  it.each([
    ['our own bot message (bot_id)', messageEvent({ user: 'UBOT', channel: 'D1', text: 'hi', botId: 'BBOT' })],
    ['an edit', messageEvent({ user: 'U1', channel: 'D1', text: 'x', subtype: 'message_changed' })],
    ['a bot_message subtype', messageEvent({ user: 'U1', channel: 'D1', text: 'x', subtype: 'bot_message' })],
    ['an empty message', messageEvent({ user: 'U1', channel: 'D1', text: '   ' })],
    ['a channel message outside any thread', messageEvent({ user: 'U1', channel: 'C1', text: 'x', channelType: 'channel' })],
    ['a thread root itself (thread_ts = ts) in a channel', messageEvent({ user: 'U1', channel: 'C1', text: 'x', ts: '5.1', threadTs: '5.1', channelType: 'channel' })],
    ['a url_verification body', { type: 'url_verification', challenge: 'x' }],
    ['an event that is not a message', { type: 'event_callback', event_id: 'Ev9', event: { type: 'app_mention', user: 'U1', channel: 'C1' } }],
  ])('ignores %s', (_name, body) => {
    expect(mapEventCallback(body)).toBeNull();
  });

  it('a reply in a thread asks for the thread key of its root, in DMs and channels', () => {
    const dm = mapEventCallback(messageEvent({ user: 'U1', channel: 'D1', text: 'terima kasih', ts: '9.2', threadTs: '9.1' }));
    expect(dm).toMatchObject({ threadTs: '9.1', channelId: 'D1', isDirect: true });
    const ch = mapEventCallback(messageEvent({ user: 'U1', channel: 'C7', text: 'baik', ts: '9.3', threadTs: '9.1', channelType: 'channel' }));
    expect(ch).toMatchObject({ threadTs: '9.1', channelId: 'C7', isDirect: false, onlyInOurThread: true });
  });

  it('files shared in the DM become one file event each, with stable ids and the caption on the first', () => {
    const body = messageEvent({
      user: 'U1',
      channel: 'D1',
      eventId: 'EvF',
      text: 'bukti kegiatan',
      files: [
        { id: 'F1', name: 'laporan.pdf', size: 123456, mimetype: 'application/pdf' },
        { id: 'F2', title: 'foto', size: 2048, mimetype: 'image/jpeg' },
      ],
    });
    const mapped = mapEventCallback(body)!;
    expect(mapped.events).toEqual([
      expect.objectContaining({ eventId: 'EvF', kind: 'file', payload: 'bukti kegiatan', file: { kind: 'file', fileId: 'F1', name: 'laporan.pdf', size: 123456, mimeType: 'application/pdf' } }),
      expect.objectContaining({ eventId: 'EvF#1', kind: 'file', payload: '', file: { kind: 'photo', fileId: 'F2', name: 'foto', size: 2048, mimeType: 'image/jpeg' } }),
    ]);
  });

  it('parses command text', () => {
    expect(parseCommandText('  /Bahasa   en ')).toEqual({ name: 'bahasa', args: ['en'] });
    expect(parseCommandText('/')).toBeNull();
    expect(parseCommandText('bahasa')).toBeNull();
    expect(slackTextToPlain('<mailto:a@b.go.id|a@b.go.id> <@U1>')).toBe('a@b.go.id <@U1>');
  });
});

describe('Slack slash commands and interactions -> IncomingEvents', () => {
  it.each([
    ['penilaian', 'penilaian', []],
    ['start KODE123', 'start', ['KODE123']],
    ['', 'start', []],
    ['/tinjau', 'tinjau', []],
  ])('/kinerja %s -> command %s', (text, name, args) => {
    const body = Object.fromEntries(Object.entries(slashCommand({ user: 'U1', channel: 'D1', text, triggerId: 'tr1' }).form));
    const mapped = mapSlashCommand(body)!;
    expect(mapped.events[0]).toMatchObject({ kind: 'command', payload: name, args, chatId: 'D1', eventId: 'cmd:tr1' });
    expect(mapped.triggerId).toBe('tr1');
  });

  it('another slash command is not ours', () => {
    expect(mapSlashCommand({ command: '/other', user_id: 'U1', channel_id: 'D1', text: '' })).toBeNull();
  });

  it('a button click becomes an action with the opaque token, and keeps the trigger', () => {
    const mapped = mapBlockActions(blockAction({ user: 'U1', channel: 'D1', value: 'tok_abc', triggerId: 'tr2' }))!;
    expect(mapped.events).toEqual([expect.objectContaining({ kind: 'action', payload: 'tok_abc', platformUserId: 'U1', chatId: 'D1', eventId: 'act:tr2' })]);
    expect(mapped.triggerId).toBe('tr2');
  });

  it('the same click delivered twice maps to the same event id', () => {
    const body = blockAction({ user: 'U1', channel: 'D1', value: 'tok', triggerId: 'same' });
    expect(mapBlockActions(body)!.events[0].eventId).toBe(mapBlockActions(structuredClone(body))!.events[0].eventId);
  });

  it('the adapter\'s own "open form" button does not reach the engine', () => {
    const mapped = mapBlockActions(blockAction({ user: 'U1', channel: 'D1', value: 'form_tok', actionId: OPEN_FORM_ACTION_PREFIX }))!;
    expect(mapped.events).toEqual([]);
    expect(mapped.openForm).toEqual({ token: 'form_tok', userId: 'U1' });
  });

  it('a submitted form becomes an action with the form token and its values as JSON', () => {
    const view = { callback_id: FORM_CALLBACK_ID, private_metadata: encodeFormMetadata({ token: 'ftok', chatId: 'D1' }) };
    const mapped = mapViewSubmission(viewSubmission({ user: 'U1', view, values: { realisasi: '12,5', narasi: 'Selesai tepat waktu' }, triggerId: 'tr3' }))!;
    expect(mapped.event).toMatchObject({ kind: 'action', payload: 'ftok', chatId: 'D1', platformUserId: 'U1', eventId: 'view:tr3' });
    expect(JSON.parse(mapped.event.args![0])).toEqual({ realisasi: '12,5', narasi: 'Selesai tepat waktu' });
  });

  it('a view that is not one of our forms is ignored', () => {
    expect(mapViewSubmission(viewSubmission({ user: 'U1', view: { callback_id: 'other', private_metadata: '' }, values: {} }))).toBeNull();
    expect(mapViewSubmission(viewSubmission({ user: 'U1', view: { callback_id: FORM_CALLBACK_ID, private_metadata: 'garbage' }, values: {} }))).toBeNull();
  });
});
