import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '@glovebox/core';
import { chainEvent, type ChainedEvent } from './event.js';
import { RecordingHasher, splitLines, verifyRecording } from './recording.js';
import { inChunks } from './test-trail.js';

const cast = [
  '{"version":2,"width":80,"height":24,"timestamp":1767225600}\n',
  '[0.1,"o","$ df -h\\r\\n"]\n',
  '[0.2,"o","Filesystem  Size  Used\\r\\n"]\n',
  '[0.3,"o","/dev/sda1   50G   20G\\r\\n"]\n',
];

function record(lines: string[]): ChainedEvent[] {
  const hasher = new RecordingHasher({
    recordingId: 'rec_1',
    actor: { kind: 'user', id: 'alice' },
    sessionId: 'ses_1',
    clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
  });
  const inputs = [hasher.started(), ...lines.map((line) => hasher.chunk(line)), hasher.ended()];
  const events: ChainedEvent[] = [];
  let head: ChainedEvent | null = null;
  for (const [i, input] of inputs.entries()) {
    head = chainEvent(head, input, `evt_${i}`);
    events.push(head);
  }
  return events;
}

describe('recording hook', () => {
  const events = record(cast);

  test('chunk events carry index, bytes and SHA-256; the end event the totals', () => {
    const chunks = events.filter((event) => event.type === 'recording.chunk');
    assert.equal(chunks.length, cast.length);
    assert.deepEqual(
      chunks.map((event) => event.details.index),
      [0, 1, 2, 3],
    );
    assert.equal(chunks[1]!.details.bytes, Buffer.byteLength(cast[1]!));
    assert.match(String(chunks[0]!.details.sha256), /^[0-9a-f]{64}$/);
    const ended = events.at(-1)!;
    assert.equal(ended.details.chunks, 4);
    assert.equal(ended.details.bytes, Buffer.byteLength(cast.join('')));
  });

  test('an untouched recording verifies when the file is split into lines again', async () => {
    const report = await verifyRecording('rec_1', splitLines(inChunks(cast.join(''), 5)), events);
    assert.equal(report.ok, true, report.message);
    assert.equal(report.chunks, 4);
  });

  const tampered: { name: string; lines: string[]; problem: string; index: number }[] = [
    {
      name: 'a changed chunk',
      lines: [cast[0]!, cast[1]!.replace('df', 'rm'), cast[2]!, cast[3]!],
      problem: 'changed',
      index: 1,
    },
    { name: 'a removed chunk', lines: [cast[0]!, cast[2]!, cast[3]!], problem: 'missing', index: 1 },
    { name: 'a cut-off recording', lines: cast.slice(0, 2), problem: 'missing', index: 2 },
    { name: 'an appended chunk', lines: [...cast, '[0.4,"o","extra"]\n'], problem: 'extra', index: 4 },
    { name: 'swapped chunks', lines: [cast[0]!, cast[2]!, cast[1]!, cast[3]!], problem: 'missing', index: 1 },
  ];
  for (const { name, lines, problem, index } of tampered) {
    test(`${name}: ${problem} at chunk ${index}`, async () => {
      const report = await verifyRecording('rec_1', splitLines(inChunks(lines.join(''), 7)), events);
      assert.equal(report.ok, false);
      assert.equal(report.problem, problem, report.message);
      assert.equal(report.firstBadIndex, index);
    });
  }

  test('a recording with no audited chunks does not verify', async () => {
    const report = await verifyRecording('rec_other', cast, events);
    assert.equal(report.problem, 'no-events');
  });
});
