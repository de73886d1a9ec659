import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repertoireHolds } from '../../../src/core/values/character-repertoire.js';

test('windows-1252: Latin-1\'s printable characters, € and the 26 others of 0x80-0x9F, the five controls at its undefined bytes; nothing else', () => {
  assert.equal(repertoireHolds('windows-1252', 'café naïve Ærø straße ÿ'), true);
  // The 27 characters Windows-1252 puts in 0x80-0x9F (where Latin-1 has control characters).
  assert.equal(repertoireHolds('windows-1252', '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'), true);
  assert.equal(repertoireHolds('windows-1252', '\u0081\u008d\u008f\u0090\u009d'), true);
  for (const c of ['\u0080', '\u0085', '\u009f', 'Ā', 'ł', 'Ω', '中', '😀']) assert.equal(repertoireHolds('windows-1252', `ok ${c}`), false, `U+${c.codePointAt(0)!.toString(16)}`);
  // Exactly 256 characters of the Basic Multilingual Plane.
  let held = 0;
  for (let cp = 0; cp <= 0xffff; cp++) if (!(cp >= 0xd800 && cp <= 0xdfff) && repertoireHolds('windows-1252', String.fromCodePoint(cp))) held++;
  assert.equal(held, 256);
});

test('latin1 (ISO 8859-1) is U+0000-U+00FF, ascii U+0000-U+007F, bmp everything but a surrogate pair, unicode everything', () => {
  assert.equal(repertoireHolds('latin1', '\u0080\u00ff'), true);
  assert.equal(repertoireHolds('latin1', '€'), false);
  assert.equal(repertoireHolds('ascii', 'plain text\n\t~'), true);
  assert.equal(repertoireHolds('ascii', 'é'), false);
  assert.equal(repertoireHolds('bmp', '中文 Ω €\uffff'), true);
  assert.equal(repertoireHolds('bmp', 'smile 😀'), false);
  assert.equal(repertoireHolds('bmp', '𝄞'), false);
  assert.equal(repertoireHolds('unicode', '😀 𝄞 中'), true);
  for (const r of ['windows-1252', 'latin1', 'ascii', 'bmp', 'unicode'] as const) assert.equal(repertoireHolds(r, ''), true);
});
