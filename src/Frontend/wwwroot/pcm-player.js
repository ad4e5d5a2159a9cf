// Plays 16-bit mono PCM as it arrives (Web Audio): each chunk is scheduled right after the previous one.
class PcmPlayer {
  constructor(sampleRate = 24000) {
    this.context = new AudioContext({ sampleRate });
    this.sampleRate = sampleRate;
    this.next = 0;
    this.carry = null;          // an odd byte left over from the last chunk
    this.firstSoundAt = null;   // performance.now() when the first sound was scheduled to play
  }

  push(bytes) {
    if (this.carry) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (bytes.length === 0) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const samples = new Float32Array(bytes.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(2 * i, true) / 32768;
    const buffer = this.context.createBuffer(1, samples.length, this.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const at = Math.max(this.context.currentTime + 0.05, this.next);
    source.start(at);
    this.next = at + buffer.duration;
    if (this.firstSoundAt === null) this.firstSoundAt = performance.now() + (at - this.context.currentTime) * 1000;
  }

  close() {
    this.context.close();
  }
}
