// Drives the portal (/portal) and the board (/app) in headless Chromium against a running host:
//
//   node tests/browser/run.mjs <scenario>     (scenarios below; BrowserTests runs one per test)
//
// Environment: CLIENTHUB_BASE_URL (the host), CLIENTHUB_DEMO_FILE (what scripts/seed-demo.mjs wrote
// for a firm of its own: apiKey, portalToken, jobId, pipelineId), CLIENTHUB_SCREENSHOTS (where the
// page screenshots go; default /tmp/clienthub-browser), CHROMIUM (default /usr/bin/chromium).
// Uses the system's Chromium through playwright-core: no browser is downloaded. Prints what it
// checked and "PASS <scenario>"; exits 1 with "FAIL <scenario>: <why>" otherwise.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const baseUrl = (process.env.CLIENTHUB_BASE_URL ?? "http://localhost:7071").replace(/\/+$/, "");
const demo = JSON.parse(readFileSync(process.env.CLIENTHUB_DEMO_FILE ?? ".data/demo.json", "utf8"));
const shots = process.env.CLIENTHUB_SCREENSHOTS ?? join(tmpdir(), "clienthub-browser");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = 30_000;

const log = message => console.log(`  ${message}`);
function check(condition, message) {
  if (!condition) throw new Error(message);
  log(`ok: ${message}`);
}

/** The firm's side of a check, straight from the API (what the pages must agree with). */
async function firmApi(method, path, body, headers = {}) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${demo.apiKey}`, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function stageId(name) {
  const pipeline = await firmApi("GET", `/api/pipelines/${demo.pipelineId}`);
  const stage = pipeline.stages.find(s => s.name === name);
  if (!stage) throw new Error(`no stage "${name}"`);
  return stage.id;
}

const pdf = (name, text) => ({ name, mimeType: "application/pdf", buffer: Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`) });

// ---- Pages -----------------------------------------------------------------------------------

async function openPortal(context) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/portal?token=${encodeURIComponent(demo.portalToken)}`);
  await page.locator("#content").waitFor({ state: "visible" });
  return page;
}

async function openBoard(context, { poll = 1000 } = {}) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/app?poll=${poll}`);
  await page.getByLabel("API key").fill(demo.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".column").first().waitFor();
  return page;
}

const columnOf = (page, name) => page.locator(".column").filter({ has: page.getByRole("heading", { name, exact: false }) });
const cardOf = page => page.locator(`.job-card[data-job-id="${demo.jobId}"]`);

async function waitForCardIn(page, stage, timeout = TIMEOUT) {
  await columnOf(page, stage).locator(`.job-card[data-job-id="${demo.jobId}"]`).waitFor({ timeout });
}

async function shoot(page, name) {
  mkdirSync(shots, { recursive: true });
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  log(`screenshot: ${path}`);
}

// ---- Scenarios -------------------------------------------------------------------------------

const scenarios = {
  /** A client signs in with the link, uploads two documents to the request's items and submits; the firm's board shows the job move on. */
  async "portal-upload-submit-moves-the-job"(context) {
    const portal = await openPortal(context);
    const request = portal.locator("article[id^=request-]").filter({ hasText: "Documents for your tax return" });
    await request.waitFor();
    const requestId = (await request.getAttribute("id")).slice("request-".length);

    // The server's 415 comes back as a sentence, and nothing is listed.
    await portal.locator(`#file-${requestId}-i1`).setInputFiles({ name: "setup.exe", mimeType: "application/octet-stream",
      buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01]) });
    await request.getByRole("button", { name: "Upload", exact: true }).first().click();
    await request.getByText("is not a kind of file we can accept").waitFor();
    check(true, "a file of a type not allowed (415) is refused with a plain sentence");

    // Over the host's upload limit (BrowserTests sets ClientHub__Documents__MaxUploadBytes to 256 KiB): the 413 as a sentence.
    await portal.locator(`#file-${requestId}-i1`).setInputFiles(pdf("scan.pdf", "x".repeat(400 * 1024)));
    await request.getByRole("button", { name: "Upload", exact: true }).first().click();
    await request.getByText("“scan.pdf” is too large to upload.").waitFor();
    check(true, "a file over the size limit (413) is refused with a plain sentence");

    await portal.locator(`#file-${requestId}-i1`).setInputFiles(pdf("w2.pdf", "W-2"));
    await request.getByRole("button", { name: "Upload", exact: true }).first().click();
    await request.getByText("Uploaded “w2.pdf”").waitFor();
    await portal.locator(`#file-${requestId}-i2`).setInputFiles(pdf("1099-int.pdf", "1099-INT"));
    await request.getByRole("button", { name: "Upload", exact: true }).nth(1).click();
    await request.getByText("Uploaded “1099-int.pdf”").waitFor();
    check(await request.getByRole("link", { name: "w2.pdf" }).count() === 1, "the W-2 upload is listed on its item");
    check(await request.getByRole("link", { name: "1099-int.pdf" }).count() === 1, "the 1099 upload is listed on its item");
    check(await portal.locator("#documents").getByRole("link", { name: "w2.pdf" }).count() === 1, "the uploads are among the documents");
    const [download] = await Promise.all([
      portal.waitForEvent("download"), portal.locator("#documents").getByRole("link", { name: "w2.pdf" }).click()]);
    check(download.suggestedFilename() === "w2.pdf" && !(await download.failure()), "a document downloads with the sign-in cookie");

    await request.getByLabel("Status of “W-2”").selectOption("Done");
    await request.getByText("“W-2” is now done.").waitFor();
    await shoot(portal, "portal-before-submit");
    await request.getByRole("button", { name: "Submit request" }).click();
    await request.getByText("Submitted. Thank you").waitFor();
    check(await request.getByRole("button", { name: "Submit request" }).count() === 0, "a submitted request is read-only");

    const board = await openBoard(context);
    await waitForCardIn(board, "Preparation");
    check(true, "the firm's board shows the job moved on to Preparation (by polling)");
    await shoot(board, "board-after-portal-submit");
    await portal.reload();
    await portal.locator("#jobs").getByText("In preparation").waitFor();
    check(true, "the portal shows the job's new client-facing status");
    await shoot(portal, "portal");
    await portal.setViewportSize({ width: 390, height: 844 });
    await shoot(portal, "portal-phone");
  },

  /** The firm drags a card to another stage; the job's history shows the move; the keyboard select moves it too. */
  async "board-drag-moves-the-job"(context) {
    const board = await openBoard(context);
    await waitForCardIn(board, "Waiting for documents");
    await cardOf(board).dragTo(columnOf(board, "Review"));
    await waitForCardIn(board, "Review", 10_000);
    await cardOf(board).getByText("Moved to “Review”").waitFor();
    const job = await firmApi("GET", `/api/jobs/${demo.jobId}`);
    check(job.stageName === "Review", "the drag moved the job (the API says Review)");

    await cardOf(board).getByRole("button", { name: job.name }).click();
    const dialog = board.getByRole("dialog");
    await dialog.getByText("Moved from “Waiting for documents” to “Review”").waitFor();
    check(true, "the job's history shows the move");
    await shoot(board, "board-job-history");
    await dialog.getByRole("button", { name: "Close" }).click();

    await cardOf(board).getByLabel(/Move .* to…/).selectOption({ label: "Filing" });
    await waitForCardIn(board, "Filing", 10_000);
    check((await firmApi("GET", `/api/jobs/${demo.jobId}`)).stageName === "Filing", "the keyboard's Move to… select moved it to Filing");
    await shoot(board, "board");
  },

  /** A card dragged after the job was moved elsewhere (before the board's poll noticed) gets the conflict message. */
  async "board-stale-drag-shows-the-conflict"(context) {
    const page = await context.newPage();
    // The card keeps the version it shows (GET /api/jobs/{id}); wait for it before moving the job behind the page's back.
    const version = page.waitForResponse(r => r.url().endsWith(`/api/jobs/${demo.jobId}`) && r.request().method() === "GET");
    await page.goto(`${baseUrl}/app?poll=1000`);
    await page.getByLabel("API key").fill(demo.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForCardIn(page, "Waiting for documents");
    await version;
    // Freeze the poll, so the page cannot learn of the move before the drag.
    await page.route("**/board", route => route.abort());
    await page.waitForTimeout(1500); // a board read already under way answers before the move below
    await firmApi("POST", `/api/jobs/${demo.jobId}/move`, { stageId: await stageId("Review") });

    await cardOf(page).dragTo(columnOf(page, "Filing"));
    await cardOf(page).getByText("Someone else moved").waitFor();
    await waitForCardIn(page, "Review", 5_000);
    check(true, "the stale drag says someone else moved the job, and the card shows it where it is (Review)");
    check((await firmApi("GET", `/api/jobs/${demo.jobId}`)).stageName === "Review", "the stale move changed nothing (If-Match → 412)");
    await shoot(page, "board-conflict");
  },

  /** The link's token leaves the address bar; the cookie holding it is HttpOnly and SameSite=Strict; signing out clears it. */
  async "portal-sign-in-hides-the-token"(context) {
    const page = await context.newPage();
    const response = await page.goto(`${baseUrl}/portal?token=${encodeURIComponent(demo.portalToken)}`);
    await page.locator("#content").waitFor({ state: "visible" });
    check(page.url() === `${baseUrl}/portal`, `the address is ${page.url()}, without the token`);
    check(!(await page.evaluate(() => location.href + document.referrer)).includes(demo.portalToken), "the page cannot see the token");
    const cookie = (await context.cookies(baseUrl)).find(c => c.name === "clienthub_portal");
    check(cookie?.httpOnly === true && cookie.sameSite === "Strict", "the sign-in cookie is HttpOnly and SameSite=Strict");
    check(!(await page.evaluate(() => document.cookie)).includes("clienthub_portal"), "scripts cannot read the cookie");
    check(response.headers()["content-security-policy"]?.includes("script-src 'self'"), "the page carries the Content-Security-Policy");
    await page.locator("#jobs").getByText("Waiting for your documents").waitFor();
    check(true, "the portal shows the client-facing status of the job");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#signed-out").waitFor({ state: "visible" });
    check(!(await context.cookies(baseUrl)).some(c => c.name === "clienthub_portal"), "signing out clears the cookie");
    await page.goto(`${baseUrl}/portal?token=chp_expired`);
    await page.getByText("That sign-in link is invalid or has expired").waitFor();
    check(page.url() === `${baseUrl}/portal`, "a link that no longer works says so, without the token in the address");
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, "portal-signed-out-phone");
  },
};

/** Every other kind of item a client acts on in the portal, created by a pipeline of the firm's for the demo account. */
async function seedClientItems() {
  const post = (path, body) => firmApi("POST", path, body);
  const organizer = await post("/api/templates", {
    kind: "organizer", name: "Browser organizer", title: "Tax organizer",
    questions: [
      { id: "dependents", text: "How many dependents do you claim?", type: "number", required: true },
      { id: "moved", text: "Did you move this year?", type: "yesNo" },
      { id: "since", text: "Since when?", type: "date" },
      { id: "filing", text: "Filing status", type: "choice", choices: ["Single", "Married filing jointly"], required: true },
      { id: "notes", text: "Anything else?", type: "text" },
    ],
  });
  const invoice = await post("/api/templates", {
    kind: "invoice", name: "Bookkeeping", lines: [{ description: "Bookkeeping", quantity: 3, unitPrice: 150 }], currency: "USD", dueInDays: 14,
  });
  const proposal = await post("/api/templates",
    { kind: "proposal", name: "Engagement", title: "Engagement letter 2026", body: "We will prepare…" });
  const message = await post("/api/templates", {
    kind: "message", name: "To do", subject: "A few things to do", body: "Please see to these.",
    clientTasks: ["Confirm your address", "Send last year's return"],
  });
  const pipeline = await post("/api/pipelines", {
    name: "Client work",
    stages: [
      {
        name: "With the client", automove: false,
        automations: [
          { type: "createOrganizer", templateId: organizer.id }, { type: "createInvoice", templateId: invoice.id },
          { type: "sendProposal", templateId: proposal.id }, { type: "sendMessage", templateId: message.id },
        ],
      },
      { name: "Done", automove: false, automations: [] },
    ],
  });
  await post("/api/jobs", { accountId: demo.accountId, pipelineId: pipeline.id, name: "Client work 2026" });
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const lists = await Promise.all(["organizers", "invoices", "proposals", "messages"].map(async kind => {
      const response = await fetch(`${baseUrl}/api/portal/${kind}`, { headers: { Authorization: `Bearer ${demo.portalToken}` } });
      return (await response.json()).items ?? [];
    }));
    if (lists.every(list => list.length > 0)) return;
    if (Date.now() > deadline) throw new Error("the pipeline's automations did not create the client's items in time");
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

scenarios["portal-organizer-invoice-proposal-message"] = async context => {
  await seedClientItems();
  const page = await openPortal(context);

  const organizer = page.locator("article[id^=organizer-]");
  await organizer.getByLabel("How many dependents do you claim? (required)").fill("2");
  await organizer.getByRole("radio", { name: "Yes" }).check();
  await organizer.getByLabel("Since when?").fill("2026-03-01");
  await organizer.getByRole("button", { name: "Save draft" }).click();
  await organizer.getByText("Draft saved.").waitFor();
  await organizer.getByRole("button", { name: "Submit organizer" }).click();
  await organizer.getByText("Some answers need another look.").waitFor();
  const filing = organizer.getByLabel("Filing status (required)");
  check(await filing.getAttribute("aria-invalid") === "true", "a required question left empty is marked invalid on submit");
  check((await organizer.locator(".field-error:not([hidden])").innerText()).includes("Required"), "its field error is shown next to it");
  check(await organizer.getByLabel("How many dependents do you claim? (required)").inputValue() === "2", "the saved draft is kept");
  await filing.selectOption("Married filing jointly");
  await organizer.getByRole("button", { name: "Submit organizer" }).click();
  await organizer.getByText("Submitted. Thank you").waitFor();
  check(await organizer.getByText("Married filing jointly").count() === 1, "the submitted organizer shows its answers, read-only");

  const invoice = page.locator("article[id^=invoice-]");
  await invoice.getByLabel(/Amount to pay/).fill("100");
  await invoice.getByRole("button", { name: "Record payment" }).click();
  await invoice.getByText("Payment recorded").waitFor();
  check(await invoice.getByText("Partially paid").count() === 1, "a partial payment leaves the invoice partially paid");
  await invoice.getByLabel(/Amount to pay/).fill("5000");
  await invoice.getByRole("button", { name: "Record payment" }).click();
  await invoice.getByText("cannot exceed").waitFor();
  check(true, "a payment over the balance shows the API's field error");

  const proposal = page.locator("article[id^=proposal-]");
  await proposal.getByLabel("Your full name, to sign").fill("Jordan Rivera");
  await proposal.getByRole("button", { name: "Sign proposal" }).click();
  await proposal.getByText("Signed by Jordan Rivera").waitFor();
  check(true, "the proposal is signed");

  const message = page.locator("article[id^=message-]");
  await message.getByLabel("Confirm your address").check();
  await message.getByText("Done: Confirm your address").waitFor();
  check(await message.getByLabel("Confirm your address").isDisabled(), "a checked task stays checked");
  await message.getByLabel("Reply").fill("Thanks, the return follows.");
  await message.getByRole("button", { name: "Send reply" }).click();
  await message.getByText("Reply sent.").waitFor();
  check(await message.getByText("Thanks, the return follows.").count() === 1, "the reply is listed");
  await shoot(page, "portal-items");
};

// ---- Runner ----------------------------------------------------------------------------------

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`usage: run.mjs <${Object.keys(scenarios).join("|")}>`);
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), "clienthub-chromium-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(TIMEOUT);
  // Any script error, or anything the Content-Security-Policy blocked, fails the scenario: the pages must need no inline code.
  const problems = [];
  context.on("page", page => {
    page.on("pageerror", error => problems.push(`page error: ${error.message}`));
    page.on("console", message => {
      if (message.type() === "error" && /Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
  });
  console.log(`scenario ${name} against ${baseUrl}`);
  await scenarios[name](context);
  if (problems.length) throw new Error(problems.join("; "));
  console.log(`PASS ${name}`);
} catch (error) {
  console.log(`FAIL ${name}: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
