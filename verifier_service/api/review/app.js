// The review page: the queue from /review-queue, corrections to /corrections. Every text from
// the service is set with textContent, never parsed as HTML; the CSP allows only this script.
"use strict";
const CATEGORIES = ["specific", "more specific", "less specific", "generic", "wrong", "abstain"];
// What this tab corrected, kept in sessionStorage so that undo survives a reload of the page.
const state = { queue: [], index: 0, made: JSON.parse(sessionStorage.getItem("verifier-made") || "[]") };
const $ = (id) => document.getElementById(id);

function headers() {
  const key = $("key").value.trim();
  sessionStorage.setItem("verifier-key", key);
  const found = { "content-type": "application/json" };
  if (key) found["x-api-key"] = key;
  return found;
}

async function call(method, path, body) {
  const response = await fetch(path, { method, headers: headers(), body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${response.status}: ${data.detail || response.statusText}`);
  return data;
}

function say(text) { $("message").textContent = text; }

function remember() { sessionStorage.setItem("verifier-made", JSON.stringify(state.made.slice(-200))); }

function showStats(data) {
  const agreement = data.judge_agreement === null ? "n/a" : `${Math.round(data.judge_agreement * 100)}%`;
  $("stats").textContent = `${data.total} to review · ${data.reviewed} corrected so far · judge agreed with people: ${agreement}`;
}

// After a correction or an undo: the counts as the service has them now (the queue shown stays).
async function refreshStats() {
  try { showStats(await call("GET", "/review-queue?limit=1")); } catch (error) { say(error.message); }
}

async function load() {
  try {
    const data = await call("GET", "/review-queue?limit=200");
    state.queue = data.items;
    state.index = 0;
    say("");
    showStats(data);
    render();
  } catch (error) { say(error.message); }
}

function render() {
  const item = state.queue[state.index];
  $("pair").hidden = !item;
  $("empty").hidden = Boolean(item);
  if (!item) return;
  $("position").textContent = `${state.index + 1} of ${state.queue.length}`;
  $("impact").textContent = String(item.items);
  $("taxonomy").textContent = item.taxonomy || "none";
  $("doubt").textContent = item.doubt.toFixed(2);
  $("truth").textContent = item.ground_truth;
  $("prediction").textContent = item.prediction;
  $("lineage").textContent = item.lineage || "unknown";
  $("judged").textContent = item.category || `nothing (${item.error || "error"})`;
  const bars = $("bars");
  bars.replaceChildren();
  for (const category of CATEGORIES) {
    const row = bars.insertRow();
    row.insertCell().textContent = category;
    const meter = document.createElement("progress");
    meter.max = 1;
    meter.value = item.probabilities ? item.probabilities[category] || 0 : 0;
    row.insertCell().appendChild(meter);
    row.insertCell().textContent = item.probabilities ? (item.probabilities[category] || 0).toFixed(2) : "";
  }
}

async function correct(category) {
  const item = state.queue[state.index];
  if (!item) return;
  try {
    const made = await call("POST", "/corrections", {
      ground_truth: item.ground_truth, prediction: item.prediction, taxonomy: item.taxonomy,
      category, note: $("note").value,
    });
    state.made.push({ id: made.id, index: state.index, ground_truth: item.ground_truth, prediction: item.prediction });
    remember();
    say(`correction ${made.id}: ${category}`);
    $("note").value = "";
    state.index += 1;
    render();
    await refreshStats();
  } catch (error) { say(error.message); }
}

async function undo() {
  const last = state.made[state.made.length - 1];
  if (!last) return say("nothing to undo");
  try {
    await call("POST", `/corrections/${last.id}/revert`, { note: "undone on the review page" });
    state.made.pop();
    remember();
    // Back to the pair where this tab made it; after a reload the queue is another one: find it there.
    const at = state.queue.findIndex((q) => q.ground_truth === last.ground_truth && q.prediction === last.prediction);
    if (state.queue[last.index] && state.queue[last.index].ground_truth === last.ground_truth) state.index = last.index;
    else if (at >= 0) state.index = at;
    say(`correction ${last.id} reverted`);
    render();
    await refreshStats();
  } catch (error) { say(error.message); }
}

const buttons = $("buttons");
CATEGORIES.forEach((category, n) => {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = `${n + 1} ${category}`;
  button.addEventListener("click", () => correct(category));
  buttons.appendChild(button);
});
$("load").addEventListener("click", load);
$("undo").addEventListener("click", undo);
$("skip").addEventListener("click", () => { state.index += 1; render(); });
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
  const n = Number(event.key);
  if (n >= 1 && n <= 6) correct(CATEGORIES[n - 1]);
  else if (event.key === "u") undo();
  else if (event.key === "s") { state.index += 1; render(); }
});
$("key").value = sessionStorage.getItem("verifier-key") || "";
load();  // open services need no key; with keys, the first load says 401 until one is entered
