// Seeds a demo firm through the public HTTP API (the contract in API.md), once.
//
//   node scripts/seed-demo.mjs            (scripts/run calls it after /healthz answers)
//
// Settings (environment): CLIENTHUB_BASE_URL (default http://localhost:$PORT, PORT 7071),
// ClientHub__BootstrapToken (needed to create the firm), CLIENTHUB_DEMO_FILE (default
// .data/demo.json, git-ignored) where the firm's id and API key are kept; when that key still works
// the script seeds nothing and prints it.
// Any non-2xx answer stops the script with the status and body, and a non-zero exit code.
// Node 20+, built-in fetch only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const demoFile = process.env.CLIENTHUB_DEMO_FILE || join(repoRoot, ".data", "demo.json");
const baseUrl = (process.env.CLIENTHUB_BASE_URL || `http://localhost:${process.env.PORT || 7071}`).replace(/\/+$/, "");
const bootstrapToken = process.env.ClientHub__BootstrapToken || "";

class ApiError extends Error {}

async function call(method, path, token, body) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status === 429 && attempt < 5) {
      const wait = Math.min(Number(response.headers.get("retry-after")) || 1, 10);
      await new Promise(resolve => setTimeout(resolve, wait * 1000));
      continue;
    }
    return { status: response.status, text, json: parse(text) };
  }
}

function parse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Calls the API and insists on a 2xx JSON answer: anything else ends the seed. */
async function must(method, path, token, body) {
  const answer = await call(method, path, token, body);
  if (answer.status < 200 || answer.status > 299) {
    throw new ApiError(`${method} ${path} answered ${answer.status}: ${answer.text || "(empty body)"}`);
  }
  if (answer.json === null || typeof answer.json !== "object") {
    throw new ApiError(`${method} ${path} answered ${answer.status} without a JSON body: ${answer.text || "(empty body)"}`);
  }
  return answer.json;
}

async function alreadySeeded() {
  if (!existsSync(demoFile)) return null;
  let demo;
  try {
    demo = JSON.parse(readFileSync(demoFile, "utf8"));
  } catch {
    console.log(`${demoFile} is not valid JSON; seeding again.`);
    return null;
  }
  if (!demo?.apiKey) return null;
  const answer = await call("GET", "/api/pipelines", demo.apiKey);
  if (answer.status === 200) return demo;
  console.log(`The stored demo key answered ${answer.status} (a different or reset storage account?); seeding again.`);
  return null;
}

async function seed() {
  if (!bootstrapToken) {
    throw new ApiError("ClientHub__BootstrapToken is not set, so POST /api/firms is disabled; scripts/run sets it.");
  }

  const firm = await must("POST", "/api/firms", bootstrapToken, {
    name: "Demo CPA",
    timeZone: "America/New_York",
    owner: { name: "Dana Demo", email: "dana@demo-cpa.example.com" },
  });
  const key = firm.apiKey;
  const post = (path, body) => must("POST", path, key, body);

  // Tags are referenced by name everywhere; "Docs received" is set by an automation below.
  const tagColors = { Individual: "#2563eb", Business: "#7c3aed", VIP: "#d97706", "Docs received": "#16a34a" };
  for (const [name, color] of Object.entries(tagColors)) await post("/api/tags", { name, color });

  const status = {};
  for (const [name, description] of [
    ["Waiting for your documents", "Please upload the documents we asked for in the portal."],
    ["In preparation", "We have your documents and are preparing your return."],
    ["Ready for review", "Your return is ready; we will contact you to review it."],
    ["Filed", "Your return has been filed."],
  ]) {
    status[name] = (await post("/api/client-facing-statuses", { name, description })).id;
  }

  const welcome = await post("/api/templates", {
    kind: "email",
    name: "Welcome",
    subject: "Welcome to {{firm.name}}",
    body: "Hi {{contact.firstName}},\n\nWe have started {{job.name}} for {{account.name}}. " +
      "Please upload your documents in the client portal: {{portal.link}}\n\nThank you,\n{{firm.name}}",
  });
  const documentsReceived = await post("/api/templates", {
    kind: "email",
    name: "Documents received",
    subject: "We received your documents",
    body: "Hi {{contact.firstName}},\n\nThank you: we received your documents for {{job.name}} and are " +
      "preparing your return. You can follow its progress at {{portal.link}}\n\n{{firm.name}}",
  });
  const filing = await post("/api/templates", {
    kind: "email",
    name: "Filing your return",
    subject: "{{job.name}} is being filed",
    body: "Hi {{contact.firstName}},\n\nWe are filing {{job.name}} now and will let you know once it is " +
      "accepted. Details: {{portal.link}}\n\n{{firm.name}}",
  });
  const request = await post("/api/templates", {
    kind: "request",
    name: "Tax documents",
    title: "Documents for your tax return",
    description: "Please upload the following documents.",
    items: [
      { title: "W-2", description: "Every W-2 you received this year." },
      { title: "1099s", description: "All 1099 forms (interest, dividends, contract work)." },
      { title: "ID", description: "A photo ID (driver's license or passport)." },
    ],
  });
  await post("/api/templates", {
    kind: "organizer",
    name: "Individual tax organizer",
    title: "Tax organizer",
    questions: [
      { id: "addressChanged", text: "Did your address change this year?", type: "yesNo" },
      { id: "dependents", text: "How many dependents do you claim?", type: "number" },
      { id: "notes", text: "Anything else we should know?", type: "text" },
    ],
  });
  const task = await post("/api/templates", {
    kind: "task",
    name: "Prepare return",
    title: "Prepare return",
    description: "Prepare the return from the documents the client uploaded.",
    assignee: { role: "jobAssignees" },
    dueInDays: 5,
  });
  const invoice = await post("/api/templates", {
    kind: "invoice",
    name: "Individual tax return",
    lines: [{ description: "Individual tax return", quantity: 1, unitPrice: 450.0 }],
    currency: "USD",
    dueInDays: 14,
  });
  const jobTemplate = await post("/api/templates", {
    kind: "job",
    name: "Individual tax return",
    jobName: "[ACCOUNT_NAME] - [YEAR] tax return",
    priority: "Medium",
    assigneeIds: [firm.ownerId],
    startInDays: 0,
    dueInDays: 30,
    clientFacingStatusId: status["Waiting for your documents"],
  });

  // The first two stages automove, and every item they create is one the firm can complete through
  // the API (PATCH /api/requests/{id} {"status":"Completed"}, PATCH /api/tasks/{id} {"status":"Done"}),
  // so the demo job visibly moves by itself. The organizer template is seeded for firms to use, but
  // not put on an automove stage: only the client can submit an organizer (through the portal), so
  // it would hold the demo job in its first stage.
  const pipeline = await post("/api/pipelines", {
    name: "Individual tax return",
    stages: [
      {
        name: "Waiting for documents",
        automove: true,
        automations: [
          { type: "updateClientFacingStatus", visible: true, statusId: status["Waiting for your documents"], description: null },
          { type: "sendEmail", templateId: welcome.id },
          { type: "createRequest", templateId: request.id, reminders: { enabled: true, daysBetween: 3, count: 2 } },
        ],
      },
      {
        name: "Preparation",
        automove: true,
        automations: [
          { type: "updateAccountTags", add: ["Docs received"], remove: [], clear: false },
          { type: "updateClientFacingStatus", visible: true, statusId: status["In preparation"], description: null },
          { type: "sendEmail", templateId: documentsReceived.id },
          { type: "createTask", templateId: task.id },
        ],
      },
      {
        name: "Review",
        automove: false,
        automations: [
          { type: "updateClientFacingStatus", visible: true, statusId: status["Ready for review"], description: null },
          { type: "createInvoice", templateId: invoice.id, conditions: { tags: ["Business"] } },
        ],
      },
      {
        name: "Filing",
        automove: false,
        automations: [{ type: "sendEmail", templateId: filing.id }],
      },
      {
        // The last stage can never automove: reaching it does not complete the job.
        name: "Done",
        automove: false,
        automations: [
          { type: "updateClientFacingStatus", visible: true, statusId: status["Filed"], description: null },
        ],
      },
    ],
  });

  const account = await post("/api/accounts", { name: "Jordan Rivera", type: "Individual", tags: ["Individual"] });
  const contact = await post(`/api/accounts/${encodeURIComponent(account.id)}/contacts`, {
    name: "Jordan Rivera",
    email: "jordan.rivera@example.com",
    notify: true,
    portalAccess: true,
  });
  const job = await post("/api/jobs", {
    accountId: account.id,
    pipelineId: pipeline.id,
    templateId: jobTemplate.id,
    clientFacingStatusVisible: true,
  });

  const demo = {
    baseUrl,
    firmId: firm.id,
    firmName: firm.name,
    ownerId: firm.ownerId,
    apiKey: key,
    pipelineId: pipeline.id,
    accountId: account.id,
    contactId: contact.id,
    jobId: job.id,
    seededAt: new Date().toISOString(),
  };
  save(demo);
  return demo;
}

function save(demo) {
  mkdirSync(dirname(demoFile), { recursive: true });
  writeFileSync(demoFile, JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 });
}

/** The demo contact's portal token: the stored one while it works, else a new one (tokens expire after 30 days). */
async function portalToken(demo) {
  if (demo.portalToken && (await call("GET", "/api/portal/jobs", demo.portalToken)).status === 200) return demo.portalToken;
  const issued = await must("POST", `/api/contacts/${encodeURIComponent(demo.contactId)}/portal-token`, demo.apiKey);
  save({ ...demo, portalToken: issued.token });
  return issued.token;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/**
 * The demo job and the first incomplete task or request of its current stage entry. The engine
 * runs a stage's automations from a queue after the write that enters it, so this waits (up to
 * 30 s) until the job's automation is no longer running and its pending items are listed.
 */
async function pendingItem(demo) {
  const jobPath = `/api/jobs/${encodeURIComponent(demo.jobId)}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await must("GET", jobPath, demo.apiKey);
    const items = (await must("GET", `${jobPath}/items`, demo.apiKey)).items ?? [];
    const pending = items.filter(i => !i.complete && i.stageEntrySeq === job.entrySeq);
    const item = pending.find(i => i.type === "task" || i.type === "request") ?? null;
    const settled = job.automation?.state !== "running" && pending.length >= (job.pendingItems ?? 0);
    if (item || settled || Date.now() > deadline) return { job, item };
    await sleep(500);
  }
}

/** Copy-paste curl commands that complete the demo job's pending item and show the job moving on. */
async function tryIt(demo) {
  const { job, item } = await pendingItem(demo);
  const auth = `-H "Authorization: Bearer ${demo.apiKey}"`;
  const jobUrl = `${baseUrl}/api/jobs/${job.id}`;
  const lines = [];
  if (!item) {
    // Past the automove stages (or the request was completed some other way): move it by hand.
    const pipeline = await must("GET", `/api/pipelines/${encodeURIComponent(job.pipelineId)}`, demo.apiKey);
    const stages = pipeline.stages ?? [];
    const next = stages[stages.findIndex(stage => stage.id === job.stageId) + 1];
    lines.push(`Try it: the demo job "${job.name}" is in stage "${job.stageName}" with no task or request to complete.`);
    if (next) {
      lines.push(`Move it to "${next.name}" yourself and look at it:`);
      lines.push(`  curl -s -X POST ${auth} -H "Content-Type: application/json" -d '{"stageId":"${next.id}"}' ${jobUrl}/move`);
    } else {
      lines.push(`It is in the last stage; complete it and look at it:`);
      lines.push(`  curl -s -X POST ${auth} ${jobUrl}/complete`);
    }
    lines.push(`  curl -s ${auth} ${jobUrl}`);
    return lines.join("\n");
  }
  lines.push(`Try it: the demo job "${job.name}" waits in stage "${job.stageName}" for its ${item.type}.`);
  if (item.type === "request") {
    // The client's part, done the client's way: through the portal, with the contact's token.
    const portal = `-H "Authorization: Bearer ${demo.portalToken}"`;
    const requestUrl = `${baseUrl}/api/portal/requests/${item.id}`;
    lines.push(`Do the client's part in the portal (as Jordan Rivera): upload a document to the request's first item, then submit it;`);
    lines.push(`the job moves to the next stage by itself (its orchestration runs the next stage's automations: allow a few seconds).`);
    lines.push(`  curl -s ${portal} ${requestUrl}`);
    lines.push(`  curl -s ${portal} -F file=@README.md ${requestUrl}/items/i1/documents`);
    lines.push(`  curl -s -X POST ${portal} ${requestUrl}/submit`);
  } else {
    lines.push(`Complete the task and the job moves to the next stage by itself (allow a few seconds).`);
    lines.push(`  curl -s ${auth} ${jobUrl}/items`);
    lines.push(`  curl -s -X PATCH ${auth} -H "Content-Type: application/json" -d '{"status":"Done"}' ${baseUrl}/api/tasks/${item.id}`);
  }
  lines.push(`  curl -s ${auth} ${jobUrl}`);
  return lines.join("\n");
}

try {
  let demo = await alreadySeeded();
  if (demo) {
    console.log(`Demo firm "${demo.firmName ?? "Demo CPA"}" already seeded (${demoFile}).`);
  } else {
    demo = await seed();
    console.log(`Seeded demo firm "${demo.firmName}": pipeline "Individual tax return" (5 stages), account "Jordan Rivera", one job.`);
  }
  demo.portalToken = await portalToken(demo);
  console.log(`Demo firm API key: ${demo.apiKey}`);
  console.log(`Demo portal token: ${demo.portalToken} (contact Jordan Rivera)`);
  console.log("");
  try {
    console.log(await tryIt(demo));
  } catch (error) {
    // The demo is seeded; only the hint is missing (the job may have been deleted or archived).
    const reason = error instanceof ApiError ? error.message : `${error?.cause?.message ?? error?.message ?? error}`;
    console.log(`Try it: no hint for the demo job ${demo.jobId} (${reason}).`);
  }
} catch (error) {
  const reason = error instanceof ApiError ? error.message : `${error?.cause?.message ?? error?.message ?? error}`;
  console.error(`seed-demo: ${reason}`);
  process.exit(1);
}
