// AudioWorklet processor for the agent panel's microphone (live.js): hands each block of samples
// (mono, at the audio context's 16 kHz) to the page, which sends them to the live transcriber.
class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor("pcm-capture", PcmCapture);
