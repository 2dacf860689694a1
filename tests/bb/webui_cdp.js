// A tiny DevTools-protocol client for ctl_webui_live.sh (Node 20 with
// --experimental-websocket; no npm package): drives a headless Chromium
// already started with --remote-debugging-port.
//
//   node --experimental-websocket webui_cdp.js DEVTOOLS_PORT STEP...
//
// Steps, run in order, each bounded in time; the first that fails ends the
// script with exit status 1 and a line saying why:
//   open URL              navigate the page and wait for its load
//   wait JS               evaluate the expression until it is true (20 s)
//   eval JS               evaluate once (a statement; the result is printed)
//   shell CMD             run a shell command (sh -c), fail if it fails
//   shot FILE             save a PNG screenshot of the page
'use strict';
const {execSync} = require('child_process');
const fs = require('fs');

const port = process.argv[2];
const steps = process.argv.slice(3);

function die(msg) {
	console.log('cdp: ' + msg);
	process.exit(1);
}

setTimeout(() => die('timed out (120 s)'), 120000).unref();

async function main() {
	const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
	const page = list.find((t) => t.type === 'page');
	if (!page)
		die('no page target');
	const ws = new WebSocket(page.webSocketDebuggerUrl);
	await new Promise((ok, ko) => {
		ws.onopen = ok;
		ws.onerror = () => ko(new Error('websocket error'));
	});
	let id = 0;
	const pending = new Map();
	const waiters = [];
	ws.onmessage = (m) => {
		const msg = JSON.parse(m.data);
		if (msg.id && pending.has(msg.id)) {
			pending.get(msg.id)(msg);
			pending.delete(msg.id);
		} else if (msg.method) {
			for (const w of waiters.splice(0))
				if (w.method === msg.method)
					w.ok(msg);
				else
					waiters.push(w);
		}
	};
	const send = (method, params = {}) =>
		new Promise((ok) => {
			pending.set(++id, ok);
			ws.send(JSON.stringify({id, method, params}));
		});
	const evaluate = async (expr) => {
		const r = await send('Runtime.evaluate', {expression: expr, returnByValue: true});
		if (r.result.exceptionDetails)
			return {error: r.result.exceptionDetails.exception?.description || 'exception'};
		return {value: r.result.result.value};
	};
	await send('Page.enable');
	for (let i = 0; i < steps.length; i += 2) {
		const what = steps[i], arg = steps[i + 1];
		if (what === 'open') {
			const loaded = new Promise((ok) => waiters.push({method: 'Page.loadEventFired', ok}));
			await send('Page.navigate', {url: arg});
			await loaded;
		} else if (what === 'wait') {
			const end = Date.now() + 20000;
			let last;
			for (;;) {
				last = await evaluate(arg);
				if (last.value === true)
					break;
				if (Date.now() > end)
					die(`timed out waiting for ${arg} (last: ${JSON.stringify(last)})`);
				await new Promise((ok) => setTimeout(ok, 100));
			}
		} else if (what === 'eval') {
			const r = await evaluate(arg);
			if (r.error)
				die(`${arg}: ${r.error}`);
			console.log(JSON.stringify(r.value));
		} else if (what === 'shell') {
			try {
				execSync(arg, {stdio: 'inherit', timeout: 30000});
			} catch (e) {
				die(`${arg}: ${e.message}`);
			}
		} else if (what === 'shot') {
			const r = await send('Page.captureScreenshot', {format: 'png'});
			fs.writeFileSync(arg, Buffer.from(r.result.data, 'base64'));
		} else {
			die(`unknown step ${what}`);
		}
		console.log(`cdp: ${what} ok`);
	}
	ws.close();
	process.exit(0);
}

main().catch((e) => die(e.message));
