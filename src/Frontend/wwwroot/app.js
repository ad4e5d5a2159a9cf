// QwenTts try-a-voice page: plain JavaScript over the public /v1 API, nothing hidden.
(() => {
  const $ = (id) => document.getElementById(id);
  const builtins = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"];
  let audioUrl = null;
  let streamPlayer = null;

  const key = () => $("api-key").value.trim();
  const headers = (json) => ({ Authorization: `Bearer ${key()}`, ...(json ? { "Content-Type": "application/json" } : {}) });

  async function problem(response) {
    try {
      const body = await response.json();
      return `${body.title || response.statusText}: ${body.detail || ""}`.trim();
    } catch {
      return `${response.status} ${response.statusText}`;
    }
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }

  async function loadVoices() {
    const select = $("voice");
    const list = $("voices");
    const response = await fetch("/v1/voices", { headers: headers(false) });
    if (!response.ok) {
      $("key-status").textContent = await problem(response);
      return false;
    }
    const { data } = await response.json();
    select.length = 1;
    list.replaceChildren();
    for (const voice of data) {
      select.add(new Option(`${voice.name} (yours)`, voice.name));
      const item = document.createElement("li");
      item.innerHTML = `<code></code> — <span></span>`;
      item.querySelector("code").textContent = voice.name;
      item.querySelector("span").textContent = `${voice.description} [${voice.language}${voice.cloned ? ", cloned" : ""}]`;
      list.append(item);
    }
    for (const name of builtins) select.add(new Option(`${name} (built-in)`, name));
    $("key-status").textContent = `Key accepted. ${data.length} saved voice(s).`;
    const devices = await fetch("/v1/devices", { headers: headers(false) });
    if (devices.ok) {
      const cards = (await devices.json()).data;
      $("miniature").hidden = !cards.some((card) => card.miniature);
    }
    return true;
  }

  // A streamed WAV has open-ended sizes; fill in the real ones so every player accepts the file.
  // Where a WAV's samples start: after the data chunk's head (a LIST chunk with the AI-content label comes before it);
  // null until enough of the header has arrived.
  function wavDataStart(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let offset = 12; offset + 8 <= bytes.length; ) {
      const id = String.fromCharCode(...bytes.subarray(offset, offset + 4));
      if (id === "data") return offset + 8;
      const size = view.getUint32(offset + 4, true);
      offset += 8 + size + (size & 1);
    }
    return null;
  }

  function fixWavSizes(bytes) {
    if (bytes.length < 44 || String.fromCharCode(...bytes.slice(0, 4)) !== "RIFF") return bytes;
    const start = wavDataStart(bytes);
    if (start === null) return bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setUint32(4, bytes.length - 8, true);
    view.setUint32(start - 4, bytes.length - start, true);
    return bytes;
  }

  async function generate() {
    showError("");
    const format = $("format").value;
    const voice = $("voice").value;
    const body = { model: "qwen3-tts", input: $("text").value, language: $("language").value, response_format: format };
    if (voice) body.voice = voice; else body.instructions = $("description").value;

    $("generate").disabled = true;
    $("timing").hidden = true;
    // WAV is PCM behind its header: play it while it arrives. Other formats play once complete.
    const progressive = format === "wav" ? new PcmPlayer(24000) : null;
    if (streamPlayer) streamPlayer.close();
    streamPlayer = progressive;
    const timings = (window.qwenttsTimings = { requestStart: performance.now(), firstSoundAt: null, responseEndAt: null });
    let header = format === "wav" ? new Uint8Array(0) : null; // the WAV header, until its data chunk starts
    $("progress").hidden = false;
    $("progress").removeAttribute("value");
    $("progress-text").textContent = "Waiting for a card…";
    try {
      const response = await fetch("/v1/audio/speech", { method: "POST", headers: headers(true), body: JSON.stringify(body) });
      if (!response.ok) {
        showError(await problem(response));
        return;
      }
      const reader = response.body.getReader();
      const chunks = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
        if (progressive) {
          let audio = value;
          if (header) {
            const joined = new Uint8Array(header.length + value.length);
            joined.set(header);
            joined.set(value, header.length);
            const start = wavDataStart(joined);
            header = start === null ? joined : null;
            audio = start === null ? null : joined.subarray(start);
          }
          if (audio) progressive.push(audio);
          if (progressive.firstSoundAt !== null && timings.firstSoundAt === null) {
            timings.firstSoundAt = progressive.firstSoundAt;
            showTiming(timings, null);
          }
        }
        $("progress-text").textContent = `Receiving audio… ${(received / 1024).toFixed(0)} KiB`;
      }
      timings.responseEndAt = performance.now();
      showTiming(timings, await cardsOf(response.headers.get("X-Request-Id")));
      let bytes = new Uint8Array(received);
      let offset = 0;
      for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.length; }
      if (format === "wav") bytes = fixWavSizes(bytes);
      const type = response.headers.get("Content-Type") || "application/octet-stream";
      if (audioUrl) URL.revokeObjectURL(audioUrl);
      audioUrl = URL.createObjectURL(new Blob([bytes], { type }));
      const player = $("player");
      player.src = audioUrl;
      player.hidden = false;
      const download = $("download");
      download.href = audioUrl;
      download.download = `speech.${format === "opus" ? "ogg" : format}`;
      download.hidden = false;
      $("progress-text").textContent = `Done: ${(received / 1024).toFixed(0)} KiB of ${format}.`;
    } catch (error) {
      showError(`The request failed: ${error.message}`);
    } finally {
      $("generate").disabled = false;
      $("progress").hidden = true;
    }
  }

  function showTiming(timings, cards) {
    const first = timings.firstSoundAt === null ? "after the download" : `${Math.round(timings.firstSoundAt - timings.requestStart)} ms`;
    $("timing").textContent = `First sound: ${first}.` + (cards ? ` Card(s): ${cards}.` : "");
    $("timing").hidden = false;
  }

  // The cards that served a request, from the tenant's usage (written a moment after the request ends).
  async function cardsOf(requestId) {
    for (let attempt = 0; requestId && attempt < 10; attempt++) {
      const response = await fetch("/v1/usage?limit=20", { headers: headers(false) });
      if (!response.ok) return null;
      const record = (await response.json()).data.find((r) => r.request_id === requestId);
      if (record) return [...new Set(record.devices.split(","))].join(", ");
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return null;
  }

  // Speak as I type: text goes over the WebSocket as it is typed; audio plays per sentence as it comes back.
  let live = null;
  function startLive() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/v1/audio/speech/stream`, ["qwentts", `qwentts.key.${key()}`]);
    socket.binaryType = "arraybuffer";
    live = { socket, player: new PcmPlayer(24000), sent: 0, cards: new Set() };
    $("live-text").value = "";
    const status = (text) => { $("live-status").textContent = text; };
    socket.onopen = () => {
      const voice = $("voice").value;
      const config = { type: "session.config", response_format: "pcm", language: $("language").value };
      if (voice) config.voice = voice; else config.instructions = $("description").value;
      socket.send(JSON.stringify(config));
      $("live-text").disabled = false;
      $("live-done").disabled = false;
      $("live-text").focus();
      status("Connected. Type; each finished sentence is spoken.");
    };
    socket.onmessage = (message) => {
      if (message.data instanceof ArrayBuffer) { live.player.push(new Uint8Array(message.data)); return; }
      const event = JSON.parse(message.data);
      if (event.type === "audio.done") {
        live.cards.add(event.device);
        status(`Sentence ${event.sentence_index + 1} spoken on card ${event.device} (${event.seconds.toFixed(1)} s).`);
      } else if (event.type === "session.done") {
        status(`Session done: ${event.total_sentences} sentence(s), ${event.audio_seconds.toFixed(1)} s of audio, card(s): ${[...live.cards].join(", ")}.`);
      } else if (event.type === "error") {
        showError(`${event.code}: ${event.message}`);
      }
    };
    socket.onclose = () => {
      $("live-text").disabled = true;
      $("live-done").disabled = true;
    };
  }

  function sendTyped() {
    const text = $("live-text").value;
    if (!live || live.socket.readyState !== WebSocket.OPEN || text.length <= live.sent) return;
    live.socket.send(JSON.stringify({ type: "input.text", text: text.slice(live.sent) }));
    live.sent = text.length;
  }

  async function saveVoice() {
    const name = $("voice-name").value.trim();
    const response = await fetch("/v1/voices", {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify({ name, description: $("description").value, language: $("language").value }),
    });
    $("save-status").textContent = response.ok ? `Saved voice "${name}".` : await problem(response);
    if (response.ok) await loadVoices();
  }

  $("connect").addEventListener("click", async () => {
    localStorage.setItem("qwentts-key", key());
    await loadVoices();
  });
  $("generate").addEventListener("click", generate);
  $("save-voice").addEventListener("click", saveVoice);
  $("live-start").addEventListener("click", startLive);
  $("live-text").addEventListener("input", sendTyped);
  $("live-done").addEventListener("click", () => {
    sendTyped();
    live.socket.send(JSON.stringify({ type: "input.done" }));
  });

  const saved = localStorage.getItem("qwentts-key");
  if (saved) {
    $("api-key").value = saved;
    loadVoices();
  }
})();
