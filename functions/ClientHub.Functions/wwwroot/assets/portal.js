// The client portal: the contact's work in progress, requests, organizers, invoices, proposals,
// messages and documents, over /api/portal/* only. The sign-in cookie (HttpOnly) authenticates
// every call; each call also sends X-Requested-With: portal, which the host requires of changes
// made with that cookie (CSRF protection), so the page sends it everywhere for simplicity.
import {
  ApiError, callApi, el, errorLines, formatBytes, formatDate, formatDateTime, formatMoney, listAll, problemOf, say, words,
} from "./common.js";

const PAGE_HEADERS = { "X-Requested-With": "portal" };
const api = (method, path, options = {}) => callApi(method, path, { ...options, headers: { ...PAGE_HEADERS, ...options.headers } });
const $ = id => document.getElementById(id);
const notice = $("notice");

/** The account's documents by id, so items and organizers can name what they refer to. */
let documentsById = new Map();

document.addEventListener("DOMContentLoaded", start);

async function start() {
  if (new URLSearchParams(location.search).get("signin") === "failed") {
    history.replaceState(null, "", "/portal");
    say(notice, "That sign-in link is invalid or has expired. Ask your firm to send you a new one.", "error");
  }
  $("sign-out").addEventListener("click", signOut);
  try {
    await loadAll();
  } catch (error) {
    failed(error);
  }
}

/** A 401 anywhere means the sign-in is gone (expired, revoked, signed out elsewhere). */
function failed(error, region = notice) {
  if (error instanceof ApiError && error.status === 401) return showSignedOut();
  say(region, error.message, "error", errorLines(error));
}

function showSignedOut() {
  $("content").hidden = true;
  $("sign-out").hidden = true;
  $("signed-out").hidden = false;
}

async function signOut() {
  try {
    await api("POST", "/portal/sign-out");
  } finally {
    for (const id of ["jobs", "requests", "organizers", "invoices", "proposals", "messages", "documents"]) $(id).replaceChildren();
    showSignedOut();
    say(notice, "You are signed out.", "ok");
  }
}

async function loadAll() {
  const [jobs, requests, organizers, invoices, proposals, messages, documents] = await Promise.all(
    ["jobs", "requests", "organizers", "invoices", "proposals", "messages", "documents"].map(kind => listAll(api, `/api/portal/${kind}`)));
  documentsById = new Map(documents.map(d => [d.id, d]));
  $("jobs").replaceChildren(...orEmpty(jobs.map(renderJob), "li", "No work in progress right now."));
  $("requests").replaceChildren(...orEmpty(requests.map(r => renderRequest(r)), "p", "No requests."));
  $("organizers").replaceChildren(...orEmpty(organizers.map(o => renderOrganizer(o)), "p", "No organizers."));
  $("invoices").replaceChildren(...orEmpty(invoices.map(i => renderInvoice(i)), "p", "No invoices."));
  $("proposals").replaceChildren(...orEmpty(proposals.map(p => renderProposal(p)), "p", "No proposals."));
  $("messages").replaceChildren(...orEmpty(messages.map(m => renderMessage(m)), "p", "No messages."));
  renderDocuments(documents);
  $("signed-out").hidden = true;
  $("content").hidden = false;
  $("sign-out").hidden = false;
}

function orEmpty(nodes, tag, text) {
  return nodes.length ? nodes : [el(tag, { className: "empty", text })];
}

/** Replaces a card with its new rendering, keeping focus on the same control when it still exists. */
function replaceCard(old, fresh) {
  const key = document.activeElement?.closest?.("[data-focus]") && old.contains(document.activeElement)
    ? document.activeElement.dataset.focus : null;
  old.replaceWith(fresh);
  const target = key ? fresh.querySelector(`[data-focus="${CSS.escape(key)}"]`) : null;
  (target && !target.disabled ? target : fresh.querySelector("h3")).focus();
}

/** A card's own live region, for the result of what was done on it. */
function cardStatus(message, kind) {
  const region = el("p", { className: "card-status", role: "status", "aria-live": "polite" });
  if (message) say(region, message, kind);
  else region.hidden = true;
  return region;
}

/** Runs an action of a card: disables its buttons meanwhile, re-renders it with the result or shows the error. */
async function act(card, region, action, render, doneMessage) {
  const buttons = [...card.querySelectorAll("button, input, select, textarea")].filter(b => !b.disabled);
  buttons.forEach(b => (b.disabled = true));
  say(region, "Saving…", "info");
  try {
    const updated = await action();
    replaceCard(card, render(updated, doneMessage));
    return updated;
  } catch (error) {
    buttons.forEach(b => (b.disabled = false));
    failed(error, region);
    return null;
  }
}

function heading(text, badge) {
  return el("div", { className: "card-head" }, el("h3", { tabindex: "-1", text }), badge ? el("span", { className: "badge", text: badge }) : null);
}

function renderJob(job) {
  return el("li", { className: "card job" },
    el("h3", { text: job.name }),
    el("p", { className: "job-status", text: job.status?.name ?? "" }),
    job.status?.description ? el("p", { text: job.status.description }) : null);
}

// ---- Requests --------------------------------------------------------------------------------

function renderRequest(request, message, kind = "ok") {
  const open = request.status === "Sent";
  const done = request.items.filter(i => i.status === "Done").length;
  const card = el("article", { className: "card", id: `request-${request.id}`, dataset: { id: request.id } });
  const region = cardStatus(message, kind);
  card.append(
    heading(request.title, open ? "Waiting for you" : words(request.status)),
    request.description ? el("p", { text: request.description }) : null,
    el("p", { className: "muted", text: `${done} of ${request.items.length} items done` }),
    el("ol", { className: "entries" }, request.items.map(entry => renderEntry(request, entry, open, card, region))));
  if (open) {
    card.append(el("button", {
      type: "button", className: "primary", text: "Submit request", dataset: { focus: "submit" },
      on: { click: () => act(card, region, async () => (await api("POST", `/api/portal/requests/${request.id}/submit`)).json, renderRequest,
        "Submitted. Thank you: your firm has been told.").then(updated => updated && setTimeout(refreshJobs, 3000)) },
    }));
  } else {
    card.append(el("p", { className: "muted", text: "Submitted: your firm is working on it. It reopens here if they need more." }));
  }
  card.append(region);
  return card;
}

function renderEntry(request, entry, open, card, region) {
  const base = `/api/portal/requests/${request.id}/items/${entry.id}`;
  const key = `${request.id}-${entry.id}`;
  const li = el("li", { className: "entry" },
    el("h4", { text: entry.title }),
    entry.description ? el("p", { text: entry.description }) : null);

  if (open) {
    const select = el("select", { id: `status-${key}`, dataset: { focus: `status-${entry.id}` } },
      ["Todo", "InProgress", "Done"].map(s => el("option", { value: s, text: words(s), selected: s === entry.status })));
    select.addEventListener("change", () =>
      act(card, region, async () => (await api("PATCH", base, { body: { status: select.value } })).json, renderRequest,
        `“${entry.title}” is now ${words(select.value).toLowerCase()}.`));
    li.append(el("div", { className: "field" }, el("label", { for: select.id, text: `Status of “${entry.title}”` }), select));
  } else {
    li.append(el("p", { className: "muted", text: `Status: ${words(entry.status)}` }));
  }

  li.append(el("h5", { text: "Documents" }), entry.documents.length
    ? el("ul", { className: "plain-list" }, entry.documents.map(id => el("li", {}, documentLink(id))))
    : el("p", { className: "muted", text: "None yet." }));
  if (open) li.append(uploadControl(request, entry, key, card));

  li.append(el("h5", { text: "Comments" }), entry.comments.length
    ? el("ul", { className: "comments" }, entry.comments.map(renderComment))
    : el("p", { className: "muted", text: "No comments." }));
  if (open) {
    const text = el("textarea", { id: `comment-${key}`, rows: 2, maxlength: 4000, dataset: { focus: `comment-${entry.id}` } });
    li.append(el("form", {
      className: "inline-form",
      on: {
        submit: event => {
          event.preventDefault();
          if (!text.value.trim()) return say(region, "Write a comment first.", "error");
          act(card, region, async () => (await api("POST", `${base}/comments`, { body: { text: text.value } })).json, renderRequest,
            "Comment added.");
        },
      },
    }, el("label", { for: text.id, text: `Comment on “${entry.title}”` }), text,
    el("button", { type: "submit", className: "secondary", text: "Add comment", dataset: { focus: `comment-send-${entry.id}` } })));
  }
  return li;
}

function documentLink(id) {
  const stored = documentsById.get(id);
  const name = stored?.name ?? "Document";
  return el("a", { href: `/api/portal/documents/${encodeURIComponent(id)}/content`, download: name, text: name },
    stored ? el("span", { className: "muted", text: ` (${formatBytes(stored.size)})` }) : null);
}

function renderComment(comment) {
  const who = comment.by?.startsWith("contact:") ? "You" : "Your firm";
  return el("li", {}, el("span", { className: "comment-by", text: `${who}, ${formatDateTime(comment.at)}: ` }), el("span", { text: comment.text }));
}

/** File input, upload button and progress bar of one item; several files go one after the other. */
function uploadControl(request, entry, key, card) {
  const input = el("input", { type: "file", id: `file-${key}`, multiple: true, dataset: { focus: `file-${entry.id}` } });
  const progress = el("progress", { max: 100, value: 0, hidden: true, "aria-label": `Upload progress for “${entry.title}”` });
  const region = cardStatus();
  const button = el("button", { type: "submit", className: "secondary", text: "Upload", dataset: { focus: `upload-${entry.id}` } });
  const form = el("form", { className: "upload" },
    el("label", { for: input.id, text: `Upload documents for “${entry.title}”` }), input, button, progress, region);
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const files = [...input.files];
    if (!files.length) return say(region, "Choose a file first.", "error");
    button.disabled = input.disabled = true;
    const uploaded = [];
    try {
      for (const file of files) {
        progress.hidden = false;
        progress.value = 0;
        say(region, `Uploading “${file.name}”…`, "info");
        await upload(`/api/portal/requests/${request.id}/items/${entry.id}/documents`, file, fraction => (progress.value = fraction * 100));
        uploaded.push(file.name);
      }
    } catch (error) {
      if (error.status === 401) return showSignedOut();
      progress.hidden = true;
      button.disabled = input.disabled = false;
      const done = uploaded.length ? ` Uploaded before it: ${uploaded.join(", ")}.` : "";
      say(region, uploadProblem(error, files[uploaded.length].name) + done, "error");
      if (!uploaded.length) return;
    }
    if (uploaded.length === files.length) await refreshRequest(card, request.id, `Uploaded ${uploaded.map(n => `“${n}”`).join(", ")}.`);
  });
  return form;
}

/** The server's 413 and 415 as sentences a client understands, with its detail. */
function uploadProblem(error, name) {
  if (error.status === 413) return `“${name}” is too large to upload. ${error.message}`;
  if (error.status === 415) {
    return `“${name}” is not a kind of file we can accept. Upload a PDF, a photo (JPEG, PNG, HEIC), an Office document or a text file. ` +
      error.message;
  }
  return `“${name}” was not uploaded: ${error.message}`;
}

/** XMLHttpRequest, not fetch: only it reports upload progress. */
function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("X-Requested-With", "portal");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", event => event.lengthComputable && onProgress(event.loaded / event.total));
    xhr.addEventListener("load", async () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText));
      else reject(await problemOf(xhr.status, xhr.responseText));
    });
    // The host may answer 413 and close the connection while a too-large file is still being sent: the browser then reports
    // only a network error.
    xhr.addEventListener("error", () => reject(new ApiError(0,
      "The connection closed during the upload. The file may be over the size limit; try a smaller file, or check your connection.")));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

async function refreshRequest(card, id, message) {
  try {
    const [request, documents] = await Promise.all([
      api("GET", `/api/portal/requests/${id}`).then(r => r.json), listAll(api, "/api/portal/documents")]);
    documentsById = new Map(documents.map(d => [d.id, d]));
    renderDocuments(documents);
    replaceCard(card, renderRequest(request, message));
  } catch (error) {
    failed(error);
  }
}

async function refreshJobs() {
  try {
    const jobs = await listAll(api, "/api/portal/jobs");
    $("jobs").replaceChildren(...orEmpty(jobs.map(renderJob), "li", "No work in progress right now."));
  } catch (error) {
    failed(error);
  }
}

// ---- Organizers ------------------------------------------------------------------------------

function renderOrganizer(organizer, message, kind = "ok", errors = {}) {
  const open = organizer.status === "Sent";
  const card = el("article", { className: "card", id: `organizer-${organizer.id}` });
  const region = cardStatus(message, kind);
  card.append(heading(organizer.title, open ? "Waiting for you" : words(organizer.status)));
  if (!open) {
    card.append(el("dl", { className: "answers" }, organizer.questions.flatMap(q => [
      el("dt", { text: q.text }), el("dd", { text: answerText(q, organizer.answers?.[q.id]) })])), region);
    return card;
  }
  const fields = organizer.questions.map(q => questionField(organizer, q, errors[`answers.${q.id}`]));
  const form = el("form", { className: "organizer", novalidate: true }, fields);
  const save = el("button", { type: "button", className: "secondary", text: "Save draft", dataset: { focus: "save" } });
  const submit = el("button", { type: "submit", className: "primary", text: "Submit organizer", dataset: { focus: "submit" } });
  form.append(el("div", { className: "actions" }, save, submit));
  const send = async (method, path, done) => {
    const answers = readAnswers(form, organizer.questions);
    const buttons = [save, submit];
    buttons.forEach(b => (b.disabled = true));
    say(region, "Saving…", "info");
    try {
      const updated = (await api(method, path, { body: { answers } })).json;
      replaceCard(card, renderOrganizer(updated, done));
    } catch (error) {
      buttons.forEach(b => (b.disabled = false));
      if (error.status === 400 && Object.keys(error.errors).length) {
        // Field errors go next to their questions; the card keeps what was typed (drafts are not lost to a typo).
        const known = new Set(organizer.questions.map(q => `answers.${q.id}`));
        const others = Object.fromEntries(Object.entries(error.errors).filter(([field]) => !known.has(field)));
        showFieldErrors(form, organizer, error.errors);
        say(region, "Some answers need another look.", "error", errorLines({ errors: others }));
        form.querySelector("[aria-invalid=true]")?.focus();
      } else {
        failed(error, region);
      }
    }
  };
  save.addEventListener("click", () => send("PATCH", `/api/portal/organizers/${organizer.id}`, "Draft saved."));
  form.addEventListener("submit", event => {
    event.preventDefault();
    send("POST", `/api/portal/organizers/${organizer.id}/submit`, "Submitted. Thank you: your firm has been told.");
  });
  card.append(form, region);
  return card;
}

function answerText(question, value) {
  if (value === undefined || value === null || value === "") return "No answer";
  if (question.type === "yesNo") return value ? "Yes" : "No";
  if (question.type === "date") return formatDate(value);
  if (question.type === "file") return documentsById.get(value)?.name ?? "A document";
  return String(value);
}

function questionField(organizer, q, errors) {
  const id = `q-${organizer.id}-${q.id}`;
  const value = organizer.answers?.[q.id];
  const errorId = `${id}-error`;
  const label = `${q.text}${q.required ? " (required)" : ""}`;
  const error = el("p", { id: errorId, className: "field-error", hidden: !errors?.length, text: errors?.join(" ") ?? "" });
  const common = { id, name: q.id, dataset: { focus: q.id, question: q.id }, "aria-describedby": errorId, required: q.required };
  if (q.type === "yesNo") {
    const radio = (v, text) => el("label", { className: "choice" },
      el("input", { type: "radio", name: id, value: v, checked: value === (v === "true"), dataset: { focus: `${q.id}-${v}`, question: q.id } }),
      ` ${text}`);
    return el("fieldset", { className: "field", dataset: { field: q.id }, "aria-describedby": errorId },
      el("legend", { text: label }), radio("true", "Yes"), radio("false", "No"), error);
  }
  let input;
  if (q.type === "text") input = el("textarea", { ...common, rows: 2, value: value ?? "" });
  else if (q.type === "number") input = el("input", { ...common, type: "number", step: "any", inputmode: "decimal", value: value ?? "" });
  else if (q.type === "date") input = el("input", { ...common, type: "date", value: value ?? "" });
  else if (q.type === "choice") {
    input = el("select", common, el("option", { value: "", text: "Choose…" }),
      (q.choices ?? []).map(c => el("option", { value: c, text: c, selected: c === value })));
  } else if (q.type === "file") {
    input = el("select", common, el("option", { value: "", text: "Choose one of your documents…" }),
      [...documentsById.values()].map(d => el("option", { value: d.id, text: d.name, selected: d.id === value })));
  } else input = el("input", { ...common, type: "text", value: value ?? "" });
  return el("div", { className: "field", dataset: { field: q.id } }, el("label", { for: id, text: label }), input, error);
}

function readAnswers(form, questions) {
  const answers = {};
  for (const q of questions) {
    if (q.type === "yesNo") {
      const checked = form.querySelector(`input[data-question="${CSS.escape(q.id)}"]:checked`);
      answers[q.id] = checked ? checked.value === "true" : null;
      continue;
    }
    const raw = form.querySelector(`[data-question="${CSS.escape(q.id)}"]`).value;
    if (raw.trim() === "") answers[q.id] = null;
    else if (q.type === "number") answers[q.id] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    else answers[q.id] = raw;
  }
  return answers;
}

function showFieldErrors(form, organizer, errors) {
  for (const q of organizer.questions) {
    const messages = errors[`answers.${q.id}`];
    const field = form.querySelector(`[data-field="${CSS.escape(q.id)}"]`);
    const error = field.querySelector(".field-error");
    error.textContent = messages?.join(" ") ?? "";
    error.hidden = !messages;
    for (const input of field.querySelectorAll("input, textarea, select")) {
      if (messages) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }
}

// ---- Invoices --------------------------------------------------------------------------------

function renderInvoice(invoice, message, kind = "ok") {
  const card = el("article", { className: "card", id: `invoice-${invoice.id}` });
  const region = cardStatus(message, kind);
  const money = amount => formatMoney(amount, invoice.currency);
  const balance = invoice.balance ?? invoice.total - invoice.amountPaid;
  card.append(
    heading(`Invoice ${invoice.dueDate ? `due ${formatDate(invoice.dueDate)}` : ""}`.trim(), words(invoice.status)),
    el("div", { className: "table-wrap" }, el("table", {},
      el("caption", { className: "visually-hidden", text: "Invoice lines" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Description" }),
        ["Quantity", "Unit price", "Amount"].map(h => el("th", { scope: "col", className: "number", text: h })))),
      el("tbody", {}, invoice.lines.map(line => el("tr", {},
        el("td", { text: line.description }), el("td", { className: "number", text: line.quantity }),
        el("td", { className: "number", text: money(line.unitPrice) }),
        el("td", { className: "number", text: money(line.quantity * line.unitPrice) })))))),
    el("p", {}, `Total ${money(invoice.total)} · paid ${money(invoice.amountPaid)} · `, el("strong", { text: `balance ${money(balance)}` })));
  if (invoice.status === "Unpaid" || invoice.status === "PartiallyPaid") {
    const amount = el("input", { id: `amount-${invoice.id}`, type: "number", min: "0.01", step: "0.01", inputmode: "decimal",
      value: balance.toFixed(2), dataset: { focus: "amount" } });
    card.append(el("form", {
      className: "inline-form",
      on: {
        submit: event => {
          event.preventDefault();
          // The same key for a retried click of the same payment: the host then records it once.
          const key = randomKey();
          act(card, region, async () => (await api("POST", `/api/portal/invoices/${invoice.id}/payments`,
            { body: { amount: Number(amount.value) }, headers: { "Idempotency-Key": key } })).json, renderInvoice, "Payment recorded. Thank you.");
        },
      },
    }, el("label", { for: amount.id, text: `Amount to pay (${invoice.currency})` }), amount,
    el("button", { type: "submit", className: "primary", text: "Record payment", dataset: { focus: "pay" } })),
    el("p", { className: "muted", text: "This records your payment with your firm; no card is charged here." }));
  }
  card.append(region);
  return card;
}

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map(b => b.toString(16).padStart(2, "0")).join("");
}

// ---- Proposals -------------------------------------------------------------------------------

function renderProposal(proposal, message, kind = "ok") {
  const card = el("article", { className: "card", id: `proposal-${proposal.id}` });
  const region = cardStatus(message, kind);
  card.append(heading(proposal.title, words(proposal.status)), el("p", { className: "pre", text: proposal.body }));
  if (proposal.status === "Signed") {
    card.append(el("p", { text: `Signed by ${proposal.signerName} on ${formatDateTime(proposal.signedAt)}.` }));
  } else if (proposal.status === "Declined") {
    card.append(el("p", { text: `Declined on ${formatDateTime(proposal.declinedAt)}.` }));
  } else {
    const name = el("input", { id: `signer-${proposal.id}`, type: "text", autocomplete: "name", maxlength: 200, dataset: { focus: "signer" } });
    const reason = el("textarea", { id: `reason-${proposal.id}`, rows: 2, maxlength: 4000, dataset: { focus: "reason" } });
    card.append(
      el("form", {
        className: "inline-form",
        on: {
          submit: event => {
            event.preventDefault();
            if (!name.value.trim()) return say(region, "Type your full name to sign.", "error");
            act(card, region, async () => (await api("POST", `/api/portal/proposals/${proposal.id}/sign`,
              { body: { signerName: name.value } })).json, renderProposal, "Signed. Thank you.");
          },
        },
      }, el("label", { for: name.id, text: "Your full name, to sign" }), name,
      el("button", { type: "submit", className: "primary", text: "Sign proposal", dataset: { focus: "sign" } })),
      el("form", {
        className: "inline-form",
        on: {
          submit: event => {
            event.preventDefault();
            act(card, region, async () => (await api("POST", `/api/portal/proposals/${proposal.id}/decline`,
              { body: { reason: reason.value.trim() || null } })).json, renderProposal, "Declined. Your firm has been told.");
          },
        },
      }, el("label", { for: reason.id, text: "Reason for declining (optional)" }), reason,
      el("button", { type: "submit", className: "danger", text: "Decline proposal", dataset: { focus: "decline" } })));
  }
  card.append(region);
  return card;
}

// ---- Messages --------------------------------------------------------------------------------

function renderMessage(message, result, kind = "ok") {
  const card = el("article", { className: "card", id: `message-${message.id}` });
  const region = cardStatus(result, kind);
  const open = message.clientTasks.some(t => !t.checked);
  card.append(heading(message.subject, message.clientTasks.length ? (open ? "Tasks for you" : "Tasks done") : null),
    el("p", { className: "pre", text: message.body }));
  if (message.clientTasks.length) {
    card.append(el("fieldset", { className: "tasks" }, el("legend", { text: "Your tasks" }),
      message.clientTasks.map((task, index) => {
        const box = el("input", { type: "checkbox", id: `task-${message.id}-${index}`, checked: task.checked, disabled: task.checked,
          dataset: { focus: `task-${index}` } });
        box.addEventListener("change", () => act(card, region,
          async () => (await api("POST", `/api/portal/messages/${message.id}/tasks/${index}/check`)).json, renderMessage, `Done: ${task.text}`));
        return el("div", { className: "choice" }, box, el("label", { for: box.id, text: ` ${task.text}` }));
      })));
  }
  card.append(el("h4", { text: "Replies" }), message.replies.length
    ? el("ul", { className: "comments" }, message.replies.map(renderComment))
    : el("p", { className: "muted", text: "No replies yet." }));
  const text = el("textarea", { id: `reply-${message.id}`, rows: 2, maxlength: 4000, dataset: { focus: "reply" } });
  card.append(el("form", {
    className: "inline-form",
    on: {
      submit: event => {
        event.preventDefault();
        if (!text.value.trim()) return say(region, "Write a reply first.", "error");
        act(card, region, async () => (await api("POST", `/api/portal/messages/${message.id}/replies`, { body: { text: text.value } })).json,
          renderMessage, "Reply sent.");
      },
    },
  }, el("label", { for: text.id, text: "Reply" }), text,
  el("button", { type: "submit", className: "secondary", text: "Send reply", dataset: { focus: "reply-send" } })), region);
  return card;
}

// ---- Documents -------------------------------------------------------------------------------

function renderDocuments(documents) {
  if (!documents.length) return $("documents").replaceChildren(el("p", { className: "empty", text: "No documents yet." }));
  const sorted = [...documents].sort((a, b) => String(b.uploadedAt).localeCompare(String(a.uploadedAt)));
  $("documents").replaceChildren(el("div", { className: "table-wrap" }, el("table", {},
    el("caption", { className: "visually-hidden", text: "Your documents" }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Name" }), el("th", { scope: "col", text: "Folder" }),
      el("th", { scope: "col", className: "number", text: "Size" }), el("th", { scope: "col", text: "Added" }))),
    el("tbody", {}, sorted.map(d => el("tr", {},
      el("td", {}, documentLink(d.id)), el("td", { text: d.folder ?? "" }), el("td", { className: "number", text: formatBytes(d.size) }),
      el("td", { text: formatDateTime(d.uploadedAt) })))))));
}
