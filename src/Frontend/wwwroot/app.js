// QwenTts try-a-voice page: plain JavaScript over the public /v1 API, nothing hidden.
(() => {
  const $ = (id) => document.getElementById(id);
  const builtins = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"];
  let audioUrl = null;

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
  function fixWavSizes(bytes) {
    if (bytes.length < 44 || String.fromCharCode(...bytes.slice(0, 4)) !== "RIFF") return bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setUint32(4, bytes.length - 8, true);
    view.setUint32(40, bytes.length - 44, true);
    return bytes;
  }

  async function generate() {
    showError("");
    const format = $("format").value;
    const voice = $("voice").value;
    const body = { model: "qwen3-tts", input: $("text").value, language: $("language").value, response_format: format };
    if (voice) body.voice = voice; else body.instructions = $("description").value;

    $("generate").disabled = true;
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
        $("progress-text").textContent = `Receiving audio… ${(received / 1024).toFixed(0)} KiB`;
      }
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

  const saved = localStorage.getItem("qwentts-key");
  if (saved) {
    $("api-key").value = saved;
    loadVoices();
  }
})();
