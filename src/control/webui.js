// The status page, live (doc/webui.md): supd's own script, no framework.
// The page as served is complete without it; this keeps its rows current
// from the event stream (GET v1/events), with no reload and no polling:
// state, description and buttons of each process change when supd says
// so, and a running process's uptime counts on in the browser.  On each
// (re)connection it reads v1/processes once, so that nothing that happened
// while it was not connected is missed.  It also shows the filters.
// Resources (CPU, memory, processes) change without events: they come
// with that read, on the Refresh button, and every RES_EVERY ms while the
// page is visible (supd wakes for nothing else).
// tail.html, live: the log is followed through GET logtail/<name>, the
// stream `supctl tail -f` reads (its last 1024 bytes, then each new byte).
(function () {
	'use strict';
	var pre = document.getElementById('log');
	var live = document.getElementById('live');
	if (!pre || !window.fetch || !window.TextDecoder)
		return;
	var MAX = 1024 * 1024; // characters kept in the page
	var kept = 0, first = true;
	fetch(pre.getAttribute('data-follow'), {credentials: 'same-origin', cache: 'no-store'})
		.then(function (r) {
			if (!r.ok || !r.body)
				return;
			var rd = r.body.getReader(), dec = new TextDecoder();
			live.textContent = 'following';
			function more(x) {
				if (x.done) {
					live.textContent = 'ended';
					return;
				}
				var t = dec.decode(x.value, {stream: true});
				var bottom = window.innerHeight + window.scrollY >=
					     document.body.scrollHeight - 4;
				if (first) {
					// the stream starts with the log's last bytes
					pre.textContent = '';
					first = false;
				}
				pre.appendChild(document.createTextNode(t));
				kept += t.length;
				while (kept > MAX && pre.firstChild) {
					kept -= pre.firstChild.textContent.length;
					pre.removeChild(pre.firstChild);
				}
				if (bottom)
					window.scrollTo(0, document.body.scrollHeight);
				return rd.read().then(more);
			}
			return rd.read().then(more);
		})
		.catch(function () {
			live.textContent = 'ended';
		});
})();

(function () {
	'use strict';
	var table = document.getElementById('procs');
	if (!table || !window.EventSource || !window.fetch)
		return;
	var rows = {}; // namespec -> its <tr>
	var procs = {}; // namespec -> the last process object seen
	var skew = 0; // supd's clock minus this one, in seconds
	var live = document.getElementById('live');
	var fname = document.getElementById('f-name');
	var fstate = document.getElementById('f-state');
	var trs = table.querySelectorAll('tr[data-ns]');
	for (var i = 0; i < trs.length; i++)
		rows[trs[i].getAttribute('data-ns')] = trs[i];

	function pad(n) {
		return (n < 10 ? '0' : '') + n;
	}

	// supctl status's description, with the uptime as of now.
	function describe(p) {
		if (p.statename !== 'RUNNING' || !p.pid || !p.start)
			return p.description;
		var up = Math.max(0, Math.floor(Date.now() / 1000 + skew - p.start));
		var days = Math.floor(up / 86400), rest = up % 86400;
		var t = Math.floor(rest / 3600) + ':' + pad(Math.floor(rest / 60) % 60) + ':' +
			pad(rest % 60);
		if (days)
			t = days + (days === 1 ? ' day, ' : ' days, ') + t;
		// readiness and health checks: as proc_description adds them
		if (p.health && p.health !== 'none')
			t += ', ' + p.health;
		if (p.status_text)
			t += ', ' + p.status_text;
		return 'pid ' + p.pid + ', uptime ' + t;
	}

	// "12.3M", as webui.c and supctl status --resources write it.
	function human(v) {
		var u = '';
		if (v >= 1024 * 1024 * 1024) {
			v /= 1024 * 1024 * 1024;
			u = 'G';
		} else if (v >= 1024 * 1024) {
			v /= 1024 * 1024;
			u = 'M';
		} else if (v >= 1024) {
			v /= 1024;
			u = 'K';
		}
		return u ? v.toFixed(1) + u : String(Math.round(v));
	}

	// The resources cell, as webui.c's resources_text writes it.
	function resText(p) {
		var r = p.resources;
		if (!r || (!p.pid && !(r.processes > 0)))
			return '';
		var t = [];
		if (r.cpu_usec !== null && r.cpu_usec >= 0)
			t.push('CPU ' + (r.cpu_usec / 1e6).toFixed(2) + 's');
		if (r.memory_current !== null)
			t.push('mem ' + human(r.memory_current));
		if (r.memory_peak !== null)
			t.push('peak ' + human(r.memory_peak));
		if (r.processes !== null)
			t.push(r.processes + (r.processes === 1 ? ' proc' : ' procs'));
		return t.join(', ');
	}

	function button(ns, action, label) {
		var f = document.createElement('form');
		f.method = 'post';
		f.action = 'index.html';
		var fields = [['processname', ns], ['action', action]];
		for (var i = 0; i < fields.length; i++) {
			var h = document.createElement('input');
			h.type = 'hidden';
			h.name = fields[i][0];
			h.value = fields[i][1];
			f.appendChild(h);
		}
		var b = document.createElement('button');
		b.type = 'submit';
		b.textContent = label;
		f.appendChild(b);
		return f;
	}

	function visible(tr) {
		var q = fname.value.toLowerCase(), s = fstate.value;
		var st = tr.getAttribute('data-state');
		if (q && tr.getAttribute('data-ns').toLowerCase().indexOf(q) < 0)
			return false;
		if (s === '!RUNNING')
			return st !== 'RUNNING';
		return !s || st === s;
	}

	// Rows and the group headings of groups with a row left.
	function filter() {
		var all = table.tBodies[0].rows, heading = null, shown = false;
		for (var i = 0; i <= all.length; i++) {
			var tr = all[i];
			if (!tr || tr.className === 'group') {
				if (heading)
					heading.classList.toggle('hide', !shown);
				heading = tr;
				shown = false;
				continue;
			}
			var v = visible(tr);
			tr.classList.toggle('hide', !v);
			shown = shown || v;
		}
	}

	// The page no longer lists what supd has (a reload of the config, a
	// group added or removed): the server's page is the truth.
	function stale() {
		location.reload();
	}

	function update(p) {
		var tr = rows[p.namespec];
		if (!tr) {
			stale();
			return;
		}
		var old = procs[p.namespec];
		procs[p.namespec] = p;
		// an event has no resources: those shown belong to a run that
		// ended or to another pid; the next read fills them again
		if ('resources' in p)
			tr.cells[5].textContent = resText(p);
		else if (old && (old.pid !== p.pid || old.statename !== p.statename))
			tr.cells[5].textContent = '';
		if (p.now)
			skew = p.now - Date.now() / 1000;
		tr.setAttribute('data-state', p.statename);
		var span = tr.cells[0].firstElementChild;
		span.className = 'state ' + p.statename.toLowerCase();
		span.textContent = p.statename;
		tr.cells[1].textContent = describe(p);
		var act = tr.cells[3];
		while (act.firstChild)
			act.removeChild(act.firstChild);
		var s = p.statename;
		if (s === 'RUNNING' || s === 'STARTING' || s === 'BACKOFF') {
			act.appendChild(button(p.namespec, 'restart', 'Restart'));
			act.appendChild(button(p.namespec, 'stop', 'Stop'));
		} else if (s !== 'STOPPING') {
			act.appendChild(button(p.namespec, 'start', 'Start'));
		}
		tr.classList.toggle('hide', !visible(tr));
	}

	function refresh() {
		fetch('v1/processes?resources=true', {credentials: 'same-origin', cache: 'no-store'})
			.then(function (r) {
				return r.json();
			})
			.then(function (j) {
				var seen = {};
				for (var i = 0; i < j.processes.length; i++) {
					seen[j.processes[i].namespec] = true;
					update(j.processes[i]);
				}
				for (var ns in rows)
					if (!seen[ns])
						stale();
				filter();
			})
			.catch(function () {});
	}

	document.getElementById('filters').hidden = false;
	var rbtn = document.getElementById('res-refresh');
	rbtn.hidden = false;
	rbtn.addEventListener('click', refresh);
	// Slowly, and only while someone may look: a hidden tab costs supd
	// nothing.
	var RES_EVERY = 60000;
	setInterval(function () {
		if (document.visibilityState === 'visible')
			refresh();
	}, RES_EVERY);
	fname.addEventListener('input', filter);
	fstate.addEventListener('change', filter);

	var es = new EventSource('v1/events');
	es.onopen = function () {
		live.textContent = 'live';
		refresh();
	};
	es.onerror = function () {
		live.textContent = 'reconnecting...';
	};
	es.addEventListener('process', function (e) {
		var d = JSON.parse(e.data);
		if (d.to === 'REMOVED')
			stale();
		else
			update(d.process);
		filter();
	});
	es.addEventListener('config', stale);
	es.addEventListener('lost', refresh);

	// The uptimes count on here; supd is not asked.
	setInterval(function () {
		for (var ns in procs)
			if (procs[ns].statename === 'RUNNING')
				rows[ns].cells[1].textContent = describe(procs[ns]);
	}, 1000);
})();
