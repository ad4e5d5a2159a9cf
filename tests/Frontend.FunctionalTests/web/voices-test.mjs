// Drives custom voices, consents and speech with the official openai npm SDK, unchanged but for its base URL.
// Usage: node voices-test.mjs <frontend base URL> <api key> <recording.wav>; prints one JSON line of results.
import fs from 'node:fs';
import OpenAI, { toFile } from 'openai';

const [base, apiKey, recordingPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL: new URL('/v1', base).toString(), apiKey, maxRetries: 0, timeout: 120_000 });
const recording = fs.readFileSync(recordingPath);
const result = { formats: {} };

const promptVoice = await client.audio.voices.create({ type: 'prompt', name: 'npm narrator', prompt: 'A warm, slow grandfather telling a story', script_hint: 'Long ago, the river ran through the valley.' });
result.promptVoice = promptVoice;

const consents = [];
for (let i = 0; i < 3; i++) {
  consents.push(await client.audio.voiceConsents.create({ name: `npm consent ${i}`, language: 'en-US', recording: await toFile(recording, 'consent.wav', { type: 'audio/wav' }) }));
}
result.consentIds = consents.map((c) => c.id);
result.retrieved = await client.audio.voiceConsents.retrieve(consents[0].id);
result.updated = await client.audio.voiceConsents.update(consents[0].id, { name: 'npm consent renamed' });
const firstPage = await client.audio.voiceConsents.list({ limit: 2 });
result.firstPageIds = firstPage.data.map((c) => c.id);
result.firstPageHasMore = firstPage.has_more;
result.listedIds = [];
for await (const consent of client.audio.voiceConsents.list({ limit: 2 })) result.listedIds.push(consent.id);

const sampleVoice = await client.audio.voices.create({ name: 'npm clone', consent: consents[1].id, audio_sample: await toFile(recording, 'sample.wav', { type: 'audio/wav' }) });
result.sampleVoice = sampleVoice;

for (const format of ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']) {
  const speech = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: { id: sampleVoice.id }, input: 'Hello from the npm SDK.', response_format: format });
  const bytes = Buffer.from(await speech.arrayBuffer());
  result.formats[format] = { status: speech.status, type: speech.headers.get('content-type'), bytes: bytes.length, head: bytes.subarray(0, 4).toString('hex') };
}
const byPrompt = await client.audio.speech.create({ model: 'tts-1', voice: { id: promptVoice.id }, input: 'Prompt voice.', response_format: 'wav' });
result.promptVoiceSpeech = byPrompt.status;

result.deletedVoice = await client.audio.voices.delete(sampleVoice.id);
try {
  await client.audio.speech.create({ model: 'tts-1', voice: { id: sampleVoice.id }, input: 'Gone.', response_format: 'wav' });
  result.deletedVoiceSpeech = 200;
} catch (error) {
  result.deletedVoiceSpeech = error.status;
  result.deletedVoiceMessage = error.message;
}

result.deletedConsent = await client.audio.voiceConsents.delete(consents[2].id);
try {
  await client.audio.voiceConsents.retrieve(consents[2].id);
  result.deletedConsentStatus = 200;
} catch (error) {
  result.deletedConsentStatus = error.status;
}

console.log(JSON.stringify(result));
