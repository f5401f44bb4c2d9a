/** The chat's styles, inside its shadow root: nothing leaks in from the host page or out to it. */
export function chatStyles(color: string, side: "left" | "right", frame: boolean): string {
  const panel = frame
    ? "position:fixed;inset:0;width:auto;height:auto;border-radius:0"
    : `position:fixed;bottom:20px;${side}:20px;width:min(380px,calc(100vw - 40px));height:min(600px,calc(100vh - 40px));border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25)`;
  return `:host{all:initial}
.panel{${panel};z-index:2147483647;display:flex;flex-direction:column;background:#fff;color:#1f2937;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;overflow:hidden}
.panel[hidden]{display:none}
header{display:flex;align-items:center;gap:8px;padding:12px 16px;background:${color};color:#fff}
h2{flex:1;margin:0;font-size:16px;font-weight:600}
button{font:inherit;cursor:pointer}
.close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;padding:2px 8px;border-radius:6px}
.close:focus-visible,.send:focus-visible,.stop:focus-visible,.starter:focus-visible,.cite:focus-visible,textarea:focus-visible{outline:3px solid #111;outline-offset:2px}
.log{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:10px}
.msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:normal;overflow-wrap:anywhere}
.msg p{margin:0 0 6px}.msg p:last-child{margin:0}
.msg pre{background:#f3f4f6;padding:8px;border-radius:6px;overflow-x:auto;font-size:13px}
.msg code{font-family:ui-monospace,monospace;font-size:13px}
.msg a{color:inherit}
.user{align-self:flex-end;background:${color};color:#fff}
.assistant{align-self:flex-start;background:#f3f4f6}
.failed{background:#fef2f2;color:#991b1b;border:1px solid #fecaca}
.typing::after{content:"▍";animation:blink 1s steps(2) infinite}
@keyframes blink{to{opacity:0}}
.cite{display:inline-block;min-width:18px;padding:0 5px;margin:0 1px;border:1px solid #9ca3af;border-radius:9px;background:#fff;color:#1f2937;font-size:12px;line-height:16px;vertical-align:1px}
.sources{margin-top:6px;font-size:13px}.sources ol{margin:4px 0 0;padding-left:0;list-style:none}
.sources li{margin:4px 0}.sources li.hl{background:#fef9c3}.snippet{display:block;color:#4b5563}
.starters{display:flex;flex-wrap:wrap;gap:6px;padding:0 16px 8px}
.starter{border:1px solid #d1d5db;background:#fff;color:#1f2937;border-radius:14px;padding:4px 10px;font-size:13px}
.error{margin:0 16px 8px;padding:8px 10px;border-radius:8px;background:#fef2f2;color:#991b1b;font-size:14px}
.error[hidden]{display:none}
form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e5e7eb}
textarea{flex:1;resize:none;border:1px solid #9ca3af;border-radius:8px;padding:8px;font:inherit;color:#1f2937;background:#fff;max-height:120px}
.send,.stop{border:0;border-radius:8px;padding:0 14px;background:${color};color:#fff}
.stop{background:#374151}.send[hidden],.stop[hidden]{display:none}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;
}
