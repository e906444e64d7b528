// The firm's board: a pipeline's stages as columns and its jobs as cards, over the public API with
// the staff member's API key (kept in sessionStorage: gone when the tab closes, never in the URL).
// Moving a card sends If-Match with the version of the job the card shows, so a move made
// elsewhere meanwhile is a 412, not a silent overwrite. The board is polled and patched card by
// card, so what others change shows up without reloading the page or losing focus.
import { ApiError, callApi, el, formatDate, formatDateTime, listAll, say, words } from "./common.js";

const KEY_STORAGE = "clienthub.apiKey";
// Tests may slow the poll down (?poll=ms); people get a few seconds.
const POLL_MS = Math.max(1000, Number(new URLSearchParams(location.search).get("poll")) || 4000);
const $ = id => document.getElementById(id);
const notice = $("notice");

const api = (method, path, options = {}) =>
  callApi(method, path, { ...options, headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}`, ...options.headers } });

const state = {
  pipelines: [],
  pipeline: null,
  staffNames: new Map(),
  /** jobId → { node, stageId, signature, etag (of the job as the card shows it) } */
  cards: new Map(),
  stagesSignature: "",
  timer: 0,
  moving: 0,
  movesStarted: 0,
  pollFailed: false,
};

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut("You are signed out."));
  $("pipeline").addEventListener("change", () => choosePipeline($("pipeline").value));
  $("close-dialog").addEventListener("click", () => $("job-dialog").close());
  if (sessionStorage.getItem(KEY_STORAGE)) enter();
  else showSignIn();
});

function showSignIn() {
  $("sign-in").hidden = false;
  $("controls").hidden = true;
  $("board").hidden = true;
  $("api-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return say(notice, "Paste your API key first.", "error");
  sessionStorage.setItem(KEY_STORAGE, key);
  $("api-key").value = "";
  await enter();
}

function signOut(message, kind = "ok") {
  clearTimeout(state.timer);
  sessionStorage.removeItem(KEY_STORAGE);
  state.cards.clear();
  state.stagesSignature = "";
  $("board").replaceChildren();
  say(notice, message, kind);
  showSignIn();
}

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    return signOut("That API key was not accepted (wrong, revoked or not a staff key).", "error");
  }
  say(notice, error.message, "error");
}

async function enter() {
  try {
    state.pipelines = await listAll(api, "/api/pipelines");
  } catch (error) {
    return failed(error);
  }
  // Names for assignee ids; the board still works without them.
  listAll(api, "/api/staff").then(staff => {
    state.staffNames = new Map(staff.map(s => [s.id, s.name]));
    for (const [id, card] of state.cards) fillCard(card.node, id, card.job);
  }, () => {});
  $("sign-in").hidden = true;
  $("controls").hidden = false;
  say(notice, "");
  if (!state.pipelines.length) return say(notice, "This firm has no pipelines yet.", "info");
  $("pipeline").replaceChildren(...state.pipelines.map(p => el("option", { value: p.id, text: p.name })));
  const wanted = new URLSearchParams(location.hash.slice(1)).get("pipeline");
  await choosePipeline(state.pipelines.some(p => p.id === wanted) ? wanted : state.pipelines[0].id);
}

async function choosePipeline(id) {
  clearTimeout(state.timer);
  state.pipeline = state.pipelines.find(p => p.id === id);
  $("pipeline").value = id;
  history.replaceState(null, "", `#pipeline=${encodeURIComponent(id)}`);
  state.cards.clear();
  state.stagesSignature = "";
  $("board").replaceChildren();
  $("board").hidden = false;
  await refresh();
}

/** One poll: the board as it is now, patched into the page card by card; then the next poll. */
async function refresh() {
  clearTimeout(state.timer);
  const pipelineId = state.pipeline.id;
  const movesBefore = state.movesStarted;
  try {
    // A move re-renders its card itself. A board read while one was under way may predate it, and would show the card back in
    // its old column until the next poll: such a read is dropped.
    if (!state.moving) {
      const board = (await api("GET", `/api/pipelines/${encodeURIComponent(pipelineId)}/board`)).json;
      if (pipelineId === state.pipeline.id && !state.moving && movesBefore === state.movesStarted) patchBoard(board);
      if (state.pollFailed) say(notice, "");
      state.pollFailed = false;
    }
  } catch (error) {
    if (error.status === 401) return failed(error);
    state.pollFailed = true;
    say(notice, `The board could not be refreshed: ${error.message} It tries again every few seconds.`, "error");
  }
  state.timer = setTimeout(refresh, POLL_MS);
}

function patchBoard(board) {
  const stagesSignature = JSON.stringify(board.stages.map(s => [s.id, s.name]));
  if (stagesSignature !== state.stagesSignature) {
    state.stagesSignature = stagesSignature;
    state.stages = board.stages.map(s => ({ id: s.id, name: s.name }));
    $("board").replaceChildren(...state.stages.map(renderColumn));
    for (const [id, card] of state.cards) fillCard(card.node, id, card.job);
  }
  const seen = new Set();
  for (const stage of board.stages) {
    const list = column(stage.id).querySelector(".cards");
    stage.jobs.forEach((job, index) => {
      seen.add(job.id);
      const signature = JSON.stringify(job);
      let card = state.cards.get(job.id);
      if (!card) {
        card = { node: el("li", { className: "job-card", draggable: "true", dataset: { jobId: job.id } }), job, stageId: stage.id, signature };
        state.cards.set(job.id, card);
        fillCard(card.node, job.id, job);
        loadVersion(job.id);
      } else if (card.signature !== signature || card.stageId !== stage.id) {
        Object.assign(card, { job, stageId: stage.id, signature });
        fillCard(card.node, job.id, job);
        flash(card.node);
        loadVersion(job.id);
      }
      // Only a card out of place is moved: moving a node takes the focus out of it.
      if (list.children[index] !== card.node) list.insertBefore(card.node, list.children[index] ?? null);
    });
  }
  for (const [id, card] of state.cards) {
    if (!seen.has(id)) {
      card.node.remove();
      state.cards.delete(id);
    }
  }
  updateCounts();
}

/** The version (ETag) of the job as its card now shows it, for If-Match on its next move. */
async function loadVersion(jobId) {
  try {
    const { etag } = await api("GET", `/api/jobs/${encodeURIComponent(jobId)}`);
    const card = state.cards.get(jobId);
    if (card) card.etag = etag;
  } catch {
    // The next move fetches it then.
  }
}

function column(stageId) {
  return $("board").querySelector(`[data-stage-id="${CSS.escape(stageId)}"]`);
}

function renderColumn(stage) {
  const titleId = `stage-${stage.id}`;
  const section = el("section", { className: "column", dataset: { stageId: stage.id }, "aria-labelledby": titleId },
    el("h2", { id: titleId }, el("span", { text: stage.name }), el("span", { className: "count muted", text: "0" })),
    el("ul", { className: "cards", "aria-label": `Jobs in ${stage.name}` }));
  section.addEventListener("dragover", event => {
    if (!event.dataTransfer.types.includes("text/plain")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    section.classList.add("drop-target");
  });
  section.addEventListener("dragleave", event => {
    if (!section.contains(event.relatedTarget)) section.classList.remove("drop-target");
  });
  section.addEventListener("drop", event => {
    event.preventDefault();
    section.classList.remove("drop-target");
    const jobId = event.dataTransfer.getData("text/plain");
    if (state.cards.has(jobId)) moveJob(jobId, stage.id);
  });
  return section;
}

function updateCounts() {
  for (const section of $("board").querySelectorAll(".column")) {
    const count = section.querySelectorAll(".job-card").length;
    section.querySelector(".count").textContent = String(count);
  }
}

function flash(node) {
  node.classList.remove("changed");
  void node.offsetWidth; // restarts the animation
  node.classList.add("changed");
}

/** (Re)fills a card in place from a board card or a job (both carry the fields shown), keeping focus on the same control. */
function fillCard(node, jobId, job) {
  const focused = node.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
  const stageId = state.cards.get(jobId)?.stageId ?? job.stageId;
  const assignees = (job.assigneeIds ?? []).map(id => state.staffNames.get(id) ?? id).join(", ") || "Nobody";
  const due = job.dueDate
    ? el("dd", {}, formatDate(job.dueDate), job.overdue ? el("span", { className: "badge overdue", text: " Overdue" }) : null)
    : el("dd", { text: "No due date" });
  const select = el("select", { id: `move-${jobId}`, dataset: { focus: "move" } },
    el("option", { value: "", text: "Choose a stage…" }),
    (state.stages ?? []).filter(s => s.id !== stageId).map(s => el("option", { value: s.id, text: s.name })));
  select.addEventListener("change", () => select.value && moveJob(jobId, select.value));
  const status = node.querySelector(".card-status");
  node.replaceChildren(
    el("button", { type: "button", className: "open", text: job.name, dataset: { focus: "open" }, on: { click: () => openJob(jobId) } }),
    el("dl", {},
      el("dt", { text: "Account" }), el("dd", { text: job.accountName ?? "" }),
      el("dt", { text: "Pending" }), el("dd", { text: `${job.pendingItems} item${job.pendingItems === 1 ? "" : "s"}` }),
      el("dt", { text: "Client sees" }), el("dd", { text: clientStatus(job.clientFacingStatus) }),
      el("dt", { text: "Due" }), due,
      job.stageOverdue ? [el("dt", { text: "Stage" }), el("dd", {}, el("span", { className: "badge overdue", text: "Over its time limit" }))] : null,
      el("dt", { text: "Assignees" }), el("dd", { text: assignees })),
    el("label", { for: select.id, text: `Move “${job.name}” to…` }), select,
    status ?? el("p", { className: "card-status", role: "status", hidden: true }));
  node.addEventListener("dragstart", onDragStart);
  node.addEventListener("dragend", onDragEnd);
  if (focused) node.querySelector(`[data-focus="${focused}"]`)?.focus();
}

function clientStatus(status) {
  if (!status?.name) return "Nothing";
  return status.visible ? status.name : `${status.name} (hidden)`;
}

function onDragStart(event) {
  event.dataTransfer.setData("text/plain", event.currentTarget.dataset.jobId);
  event.dataTransfer.effectAllowed = "move";
  event.currentTarget.classList.add("dragging");
}

function onDragEnd(event) {
  event.currentTarget.classList.remove("dragging");
}

function cardSay(jobId, message, kind) {
  const region = state.cards.get(jobId)?.node.querySelector(".card-status");
  if (region) say(region, message, kind);
}

function stageName(stageId) {
  return state.stages.find(s => s.id === stageId)?.name ?? "another stage";
}

/** Places a card from a job (GET or move answer) where the job is, with the job's version. */
function placeFromJob(job, etag) {
  const card = state.cards.get(job.id);
  if (!card) return;
  Object.assign(card, { job, stageId: job.stageId, etag, signature: "" });
  fillCard(card.node, job.id, job);
  const list = column(job.stageId)?.querySelector(".cards");
  const hadFocus = card.node.contains(document.activeElement);
  if (list && card.node.parentElement !== list) list.append(card.node);
  if (hadFocus && !card.node.contains(document.activeElement)) card.node.querySelector(".open").focus();
  updateCounts();
}

async function moveJob(jobId, toStageId, retried = false) {
  const card = state.cards.get(jobId);
  if (!card || card.stageId === toStageId) return;
  const name = card.job.name;
  const path = `/api/jobs/${encodeURIComponent(jobId)}`;
  state.moving++;
  state.movesStarted++;
  cardSay(jobId, `Moving to “${stageName(toStageId)}”…`, "info");
  try {
    if (!card.etag) card.etag = (await api("GET", path)).etag;
    const { json, etag } = await api("POST", `${path}/move`, { body: { stageId: toStageId }, headers: { "If-Match": card.etag } });
    placeFromJob(json.job, etag);
    const left = json.unfinishedItems?.length ? ` ${json.unfinishedItems.length} unfinished item(s) stay with the earlier stage.` : "";
    cardSay(jobId, `Moved to “${stageName(json.job.stageId)}”.${left}`, "ok");
  } catch (error) {
    if (error.status !== 412) {
      if (error.status === 401) return failed(error);
      cardSay(jobId, `Not moved: ${error.message}`, "error");
      fillCard(card.node, jobId, card.job); // resets the "Move to…" select
      return;
    }
    // The job changed since the card was drawn: show it as it is now.
    const fresh = await api("GET", path).catch(e => (failed(e), null));
    if (!fresh) return;
    const stillThere = fresh.json.stageId === card.stageId;
    placeFromJob(fresh.json, fresh.etag);
    if (stillThere && !retried) {
      // Changed, but not moved (an automation or an edit): the move the person asked for still makes sense.
      state.moving--;
      try {
        return await moveJob(jobId, toStageId, true);
      } finally {
        state.moving++;
      }
    }
    cardSay(jobId, `Someone else moved “${name}” to “${stageName(fresh.json.stageId)}” meanwhile. ` +
      "The card now shows where it is; move it again if it should still go elsewhere.", "error");
  } finally {
    state.moving--;
  }
}

// ---- One job: its items and history ----------------------------------------------------------

async function openJob(jobId) {
  const dialog = $("job-dialog");
  const opener = document.activeElement;
  const path = `/api/jobs/${encodeURIComponent(jobId)}`;
  $("job-title").textContent = state.cards.get(jobId)?.job.name ?? "Job";
  $("job-body").replaceChildren(el("p", { text: "Loading…" }));
  dialog.addEventListener("close", () => opener?.isConnected && opener.focus(), { once: true });
  dialog.showModal();
  try {
    const [job, items, history] = await Promise.all([
      api("GET", path).then(r => r.json), listAll(api, `${path}/items`), listAll(api, `${path}/history`)]);
    $("job-title").textContent = job.name;
    $("job-body").replaceChildren(
      el("dl", { className: "answers" },
        el("dt", { text: "Account" }), el("dd", { text: job.accountName ?? job.accountId }),
        el("dt", { text: "Stage" }), el("dd", { text: job.stageName ?? job.stageId }),
        el("dt", { text: "Status" }), el("dd", { text: `${words(job.status)}, priority ${words(job.priority).toLowerCase()}` }),
        el("dt", { text: "Automation" }),
        el("dd", { text: job.automation.error ? `${job.automation.state}: ${job.automation.error}` : job.automation.state }),
        el("dt", { text: "Due" }), el("dd", { text: job.dueDate ? formatDate(job.dueDate) + (job.overdue ? " (overdue)" : "") : "No due date" })),
      el("h3", { text: "Items" }),
      items.length
        ? el("ul", { className: "history" }, items.map(i => el("li", {},
          `${words(i.type)}: ${words(i.status)}${i.complete ? " (complete)" : ""}, stage entry ${i.stageEntrySeq}`)))
        : el("p", { className: "muted", text: "No linked items." }),
      el("h3", { text: "History" }),
      el("ol", { className: "history" }, history.map(renderHistoryEntry)));
  } catch (error) {
    if (error.status === 401) {
      dialog.close();
      return failed(error);
    }
    $("job-body").replaceChildren(el("p", { className: "field-error", text: error.message }));
  }
}

function renderHistoryEntry(entry) {
  const stage = id => (id ? stageName(id) : null);
  const from = stage(entry.fromStageId);
  const to = stage(entry.toStageId);
  const by = entry.by?.type === "staff" ? state.staffNames.get(entry.by.id) ?? "staff" : entry.by?.type;
  const what = entry.kind === "moved" && from && to ? `Moved from “${from}” to “${to}”` : words(entry.kind) + (to ? ` (${to})` : "");
  return el("li", {}, el("span", { className: "muted", text: `${formatDateTime(entry.at)}: ` }),
    `${what}${by ? ` by ${by}` : ""}${entry.detail ? `. ${entry.detail}` : ""}`);
}
