// Live transcription in the agent panel: a call's audio goes to /v1/hotline/live over a WebSocket
// as 16 kHz PCM16 chunks at real-time pace; partial lines appear and are replaced by finals.
// The source is a recording played as if live (for training and testing) or the microphone.

const KEY_STORAGE = "govassist.agent_key";
const RATE = 16000;
const CHUNK_SECONDS = 0.2;
const $ = (id) => document.getElementById(id);

function pcm16(samples) {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-1, Math.min(1, samples[i])) * 32767;
  return out.buffer;
}

async function decodeTo16k(file) {
  const context = new OfflineAudioContext(1, 1, RATE);
  const decoded = await context.decodeAudioData(await file.arrayBuffer());
  const offline = new OfflineAudioContext(1, Math.ceil(decoded.duration * RATE), RATE);
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  return (await offline.startRendering()).getChannelData(0);
}

function lineFor(utterance) {
  let line = document.querySelector(`#transcript li[data-utterance="${utterance}"]`);
  if (!line) {
    line = document.createElement("li");
    line.className = "line caller";
    line.dataset.utterance = utterance;
    $("transcript").append(line);
  }
  return line;
}

// As the call goes on, each final line refreshes the suggestions and the ticket draft.
let refresh = null;
function refreshSuggestions() {
  clearTimeout(refresh);
  refresh = setTimeout(() => document.dispatchEvent(new CustomEvent("live-call-ended", { detail: transcriptText() })), 300);
}

function show(event) {
  if (event.type === "final" && event.text) refreshSuggestions();
  $("transcript-empty").hidden = true;
  const line = lineFor(event.utterance);
  if (event.type === "final" && !event.text) return line.remove();
  line.classList.toggle("partial", event.type === "partial");
  line.textContent = event.text;
  line.scrollIntoView({ block: "nearest" });
}

function openSocket(onDone) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const key = encodeURIComponent(sessionStorage.getItem(KEY_STORAGE) || "");
  const socket = new WebSocket(`${scheme}://${location.host}/v1/hotline/live?token=${key}&sample_rate=${RATE}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "done") return onDone();
    if (event.type === "error") return ($("call-status").textContent = event.message);
    show(event);
  };
  socket.onclose = (close) => {
    if (close.code === 4401) $("call-status").textContent = "登录已失效，请重新登录。";
  };
  return new Promise((resolve) => (socket.onopen = () => resolve(socket)));
}

async function streamRecording(file) {
  $("call-status").textContent = "实时转写中…";
  $("transcript").replaceChildren();
  const samples = await decodeTo16k(file);
  const socket = await openSocket(() => {
    $("call-status").textContent = "通话结束，转写完成";
    document.dispatchEvent(new CustomEvent("live-call-ended", { detail: transcriptText() }));
  });
  const step = RATE * CHUNK_SECONDS;
  for (let start = 0; start < samples.length; start += step) {
    socket.send(pcm16(samples.subarray(start, start + step)));
    await new Promise((resolve) => setTimeout(resolve, CHUNK_SECONDS * 1000));
  }
  socket.send("end");
}

function transcriptText() {
  return [...document.querySelectorAll("#transcript li")].map((line) => line.textContent).join("");
}

$("live-button").addEventListener("click", () => {
  const file = $("call-file").files[0];
  if (!file) {
    $("call-status").textContent = "请先选择一段通话录音";
    return;
  }
  streamRecording(file).catch((error) => ($("call-status").textContent = `无法实时转写：${error.message}`));
});
