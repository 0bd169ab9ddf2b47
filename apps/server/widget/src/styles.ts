/** The widget's styles, inside its shadow root; colours from the channel (`--sb-primary`, `--sb-text`). */
export const STYLES = `
:host { all: initial; font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; }
.launcher { position: fixed; right: 16px; bottom: 16px; width: 56px; height: 56px; border-radius: 50%; border: 0;
  background: var(--sb-primary); color: var(--sb-text); font-size: 24px; cursor: pointer; box-shadow: 0 2px 8px #0004; z-index: 2147483000; }
.panel { position: fixed; right: 16px; bottom: 84px; width: min(360px, calc(100vw - 32px)); height: min(520px, calc(100vh - 110px));
  display: flex; flex-direction: column; background: #fff; border-radius: 12px; box-shadow: 0 4px 24px #0005; overflow: hidden; z-index: 2147483000; }
.panel[hidden] { display: none; }
header { display: flex; justify-content: space-between; align-items: center; padding: 10px 14px; background: var(--sb-primary); color: var(--sb-text); }
.close { background: none; border: 0; color: inherit; font-size: 22px; cursor: pointer; }
.status { padding: 4px 14px; font-size: 12px; color: #57606a; min-height: 16px; }
.thread { flex: 1; overflow-y: auto; padding: 8px 12px; display: flex; flex-direction: column; gap: 6px; }
.greeting { background: #f3f4f6; padding: 8px 10px; border-radius: 10px; margin: 0; }
.message { max-width: 80%; padding: 6px 10px; border-radius: 10px; background: #f3f4f6; word-wrap: break-word; }
.message p { margin: 0; white-space: pre-wrap; }
.message img { max-width: 100%; border-radius: 6px; display: block; }
.mine { align-self: flex-end; background: var(--sb-primary); color: var(--sb-text); }
.mine[data-read]::after { content: attr(data-read); display: block; font-size: 10px; opacity: .8; text-align: right; }
.mine a { color: inherit; }
.rated { color: #d0a000; font-size: 20px; margin: 4px 0 0; }
.stars button { background: none; border: 0; font-size: 26px; color: #d0a000; cursor: pointer; padding: 0 2px; }
.footer { border-top: 1px solid #e5e7eb; padding: 8px; }
form { display: flex; gap: 6px; }
.prechat { flex-direction: column; }
input, textarea { font: inherit; padding: 6px 8px; border: 1px solid #d0d7de; border-radius: 6px; resize: none; flex: 1; }
button[type=submit] { background: var(--sb-primary); color: var(--sb-text); border: 0; border-radius: 6px; padding: 6px 12px; cursor: pointer; }
.attach { background: none; border: 0; font-size: 18px; cursor: pointer; }
`;
