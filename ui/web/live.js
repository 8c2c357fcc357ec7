// Live transcription in the agent panel: a call's audio goes to /v1/hotline/live over a WebSocket
// as 16 kHz PCM16 chunks at real-time pace; partial lines appear and are replaced by finals, and a
// revision (lines closed at short pauses, recognised again together) replaces a run of finals.
// The source is a recording played as if live (for training and testing) or the microphone
// (a headset on the agent's desk, or the call's audio routed to an input device).

const KEY_STORAGE = "govassist.agent_key";
const RATE = 16000;
const CHUNK_SECONDS = 0.2;
const $ = (id) => document.getElementById(id);

function pcm16(samples) {
  const out = new Int16Array(samples.length);
  // Rounded, as the server rounds (an Int16Array truncates): truncation alone moved a pause of one clip below the
  // voice activity detector's threshold.
  for (let i = 0; i < samples.length; i++) out[i] = Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767);
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

function newLine(utterance) {
  const line = document.createElement("li");
  line.className = "line caller";
  line.dataset.utterance = utterance;
  return line;
}

function lineFor(utterance) {
  return document.querySelector(`#transcript li[data-utterance="${utterance}"]`) || $("transcript").appendChild(newLine(utterance));
}

// As the call goes on, each final line refreshes the suggestions and the ticket draft.
let refresh = null;
function refreshSuggestions() {
  clearTimeout(refresh);
  refresh = setTimeout(() => document.dispatchEvent(new CustomEvent("live-call-ended", { detail: transcriptText() })), 300);
}

// A revision's text takes the place of utterances event.utterance to event.through: the first of their lines
// still shown keeps it, the others go (a new line where none is left).
function revise(event) {
  const lines = [...document.querySelectorAll("#transcript li")];
  const replaced = lines.filter((line) => {
    const utterance = Number(line.dataset.utterance);
    return utterance >= event.utterance && utterance <= event.through;
  });
  let line = replaced.shift();
  replaced.forEach((other) => other.remove());
  refreshSuggestions();
  if (!event.text) return line && line.remove();
  if (!line) {
    const after = lines.find((other) => Number(other.dataset.utterance) > event.through);
    line = $("transcript").insertBefore(newLine(event.utterance), after || null);
  }
  line.classList.add("revised");
  line.title = "已结合前后语音整段重新识别";
  line.textContent = event.text;
}

function show(event) {
  if (event.type === "revision") return revise(event);
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
  // Browsers cannot set headers on a WebSocket: the key goes as a subprotocol, never in the URL (logged).
  const key = sessionStorage.getItem(KEY_STORAGE) || "";
  const socket = new WebSocket(`${scheme}://${location.host}/v1/hotline/live?sample_rate=${RATE}`, ["govassist", `bearer.${key}`]);
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
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("无法连接实时转写服务"));
  });
}

function callEnded() {
  $("call-status").textContent = "通话结束，转写完成";
  document.dispatchEvent(new CustomEvent("live-call-ended", { detail: transcriptText() }));
}

async function streamRecording(file) {
  $("call-status").textContent = "实时转写中…";
  $("transcript").replaceChildren();
  const samples = await decodeTo16k(file);
  const socket = await openSocket(callEnded);
  const step = RATE * CHUNK_SECONDS;
  for (let start = 0; start < samples.length; start += step) {
    socket.send(pcm16(samples.subarray(start, start + step)));
    await new Promise((resolve) => setTimeout(resolve, CHUNK_SECONDS * 1000));
  }
  socket.send("end");
}

// The microphone: an audio context at 16 kHz (the browser resamples), a worklet that hands over
// the samples, CHUNK_SECONDS chunks to the socket, "end" when the agent ends the call.
let microphone = null;

const MICROPHONE_ERRORS = {
  NotAllowedError: "未获得麦克风权限：请在浏览器地址栏允许本页使用麦克风",
  NotFoundError: "未检测到麦克风：请连接耳麦或音频输入设备",
  NotReadableError: "麦克风被其他程序占用，请关闭后重试",
};

async function startMicrophone() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new Error("浏览器只允许在 HTTPS 或本机地址上使用麦克风");
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  const context = new AudioContext({ sampleRate: RATE });
  let socket;
  try {
    await context.audioWorklet.addModule("/static/pcm-capture.js");
    socket = await openSocket(callEnded);
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    context.close();
    throw error;
  }
  socket.addEventListener("close", () => {
    if (microphone && microphone.socket === socket) stopMicrophone(); // the service ended the call
  });
  const capture = new AudioWorkletNode(context, "pcm-capture");
  const step = RATE * CHUNK_SECONDS;
  let pending = new Float32Array(0);
  capture.port.onmessage = ({ data }) => {
    const joined = new Float32Array(pending.length + data.length);
    joined.set(pending);
    joined.set(data, pending.length);
    pending = joined;
    if (pending.length >= step && socket.readyState === WebSocket.OPEN) {
      socket.send(pcm16(pending));
      pending = new Float32Array(0);
    }
  };
  context.createMediaStreamSource(stream).connect(capture);
  capture.connect(context.destination); // silent: keeps the worklet running
  microphone = { stream, context, socket };
}

function stopMicrophone() {
  const { stream, context, socket } = microphone;
  microphone = null;
  setMicrophoneButton(false);
  stream.getTracks().forEach((track) => track.stop());
  context.close();
  if (socket.readyState === WebSocket.OPEN) {
    socket.send("end");
    $("call-status").textContent = "通话已挂断，正在完成转写…";
  }
}

function setMicrophoneButton(on) {
  const button = $("mic-button");
  button.textContent = on ? "结束通话" : "麦克风实时转写";
  button.setAttribute("aria-pressed", String(on));
  $("live-button").disabled = on;
}

$("mic-button").addEventListener("click", async () => {
  if (microphone) return stopMicrophone();
  $("transcript").replaceChildren();
  $("call-status").textContent = "正在打开麦克风…";
  try {
    await startMicrophone();
    setMicrophoneButton(true);
    $("call-status").textContent = "通话中：实时转写…";
  } catch (error) {
    $("call-status").textContent = MICROPHONE_ERRORS[error.name] || `无法使用麦克风：${error.message}`;
  }
});

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
