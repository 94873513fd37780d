// lambdakit's Node.js runtime: a Runtime API client modelled on AWS's aws-lambda-ric
// (3.x for nodejs22.x, 4.x for nodejs24.x): the same handler loading rules, context object,
// `Runtime.*` error types, error payload {errorType, errorMessage, trace} and log lines.
// It runs as the environment's process and talks only to AWS_LAMBDA_RUNTIME_API.
import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import util from "node:util";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const RUNTIME = (process.env.AWS_EXECUTION_ENV || "").replace("AWS_Lambda_", "");
const NODE_MAJOR = parseInt((RUNTIME.match(/^nodejs(\d+)/) || [])[1] || "0", 10);
const CALLBACKS_REMOVED = NODE_MAJOR >= 24; // RIC 4: callback handlers fail INIT
const JSON_LOGS = process.env.AWS_LAMBDA_LOG_FORMAT === "JSON";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// -- the virtual clock: lambdakit passes its time; Date reads it, frozen during a phase ------
const RealDate = Date;
let virtualNow = null;
const virtualArg = process.argv.find((a) => a.startsWith("--virtual-now-ms="));
if (virtualArg) {
  virtualNow = Number(virtualArg.split("=")[1]);
  class VirtualDate extends RealDate {
    constructor(...args) {
      if (args.length) super(...args);
      else super(virtualNow);
    }
    static now() {
      return virtualNow;
    }
  }
  globalThis.Date = VirtualDate;
}
const now = () => (virtualNow === null ? RealDate.now() : virtualNow);

// -- logging: console.* as AWS's Node.js runtime writes it --------------------------------
let currentRequestId; // undefined during INIT: AWS logs "undefined" there
const LEVELS = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE", fatal: "FATAL" };

function writeLog(level, message) {
  const timestamp = new RealDate(now()).toISOString();
  let line;
  if (JSON_LOGS) {
    line = JSON.stringify({ timestamp, level, requestId: currentRequestId, message });
  } else {
    line = `${timestamp}\t${currentRequestId}\t${level}\t${message.replace(/\n/g, "\r")}`;
  }
  fs.writeSync(1, line + "\n");
}

for (const [method, level] of Object.entries(LEVELS)) {
  if (method === "fatal") continue;
  console[method] = (...args) => writeLog(level, util.format(...args));
}

// -- the Runtime API ------------------------------------------------------------------------
function call(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const [host, port] = API.split(":");
    const request = http.request(
      { host, port, path: "/2018-06-01/runtime" + urlPath, method, agent,
        headers: body === undefined ? headers : { ...headers, "Content-Length": Buffer.byteLength(body) } },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }));
      });
    request.on("error", reject);
    request.end(body);
  });
}

function formatError(error) {
  if (error instanceof Error || (error && typeof error === "object" && "stack" in error && "message" in error)) {
    return {
      errorType: error.name,
      errorMessage: String(error.message),
      trace: String(error.stack || "").split("\n").map((l) => l.replace(/\x7F/g, "%7F")),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function logError(title, error) {
  const { errorType, errorMessage, trace } = error;
  writeLog("ERROR", `${title} \t${JSON.stringify({ errorType, errorMessage, stack: trace })}`);
}

async function postError(urlPath, error) {
  await call("POST", urlPath, JSON.stringify(error), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": error.errorType,
  });
}

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

// -- response streaming: the `awslambda` global RIC offers (UserFunction.js, ResponseStream.js,
// HttpResponseStream.js): a handler wrapped in streamifyResponse writes to a stream that is the
// body of a /response in the Runtime API's streaming mode, sent in HTTP chunks as it is written.
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HANDLER_HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
const STREAM_RESPONSE = "response";
const ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type";
const ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body";

class HttpResponseStream {
  // A function URL's status, headers and cookies: a JSON prelude and 8 NUL bytes before the body.
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType("application/vnd.awslambda.http-integration-response");
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

if (!["1", "true"].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA)) {
  globalThis.awslambda = {
    HttpResponseStream,
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === "number") {
        handler[HANDLER_HIGHWATERMARK] = Number.parseInt(options.highWaterMark, 10);
      }
      return handler;
    },
  };
}

// The handler's stream: the request itself, showing only what RIC's writableStreamOnly() shows.
function writableOnly(inner) {
  const methods = ["cork", "destroy", "end", "uncork", "write", "addListener", "emit", "eventNames",
    "getMaxListeners", "listenerCount", "listeners", "off", "on", "once", "prependListener",
    "prependOnceListener", "rawListeners", "removeAllListeners", "removeListener", "setMaxListeners",
    "setContentType"];
  const stream = Object.fromEntries(methods.map((m) => [m, inner[m].bind(inner)]));
  for (const prop of ["destroyed", "writable", "_onBeforeFirstWrite"]) {
    Object.defineProperty(stream, prop, { get: () => inner[prop], set: (v) => { inner[prop] = v; } });
  }
  for (const prop of ["writableFinished", "writableObjectMode", "writableBuffer", "writableEnded",
    "writableNeedDrain", "writableHighWaterMark", "writableCorked", "writableLength"]) {
    Object.defineProperty(stream, prop, { get: () => inner[prop] });
  }
  return stream;
}

function createResponseStream(requestId, highWaterMark) {
  const [host, port] = API.split(":");
  const request = http.request({
    host, port, method: "POST", path: `/2018-06-01/runtime/invocation/${requestId}/response`,
    agent: new http.Agent({ keepAlive: false }), highWaterMark,
    headers: {
      "Lambda-Runtime-Function-Response-Mode": "streaming",
      Trailer: [ERROR_TYPE_TRAILER, ERROR_BODY_TRAILER],
      "Content-Type": "application/octet-stream",
    },
  });
  const done = new Promise((resolve, reject) => {
    request.on("response", (response) => {
      response.resume();
      response.on("end", resolve);
      response.on("aborted", reject);
    });
    request.on("error", reject);
  });
  let written = false;
  request.setContentType = (contentType) => {
    if (written) throw new RuntimeError("Runtime.InvalidStreamingOperation", "Cannot set content-type, too late.");
    request.setHeader("Content-Type", contentType);
  };
  const write = request.write.bind(request);
  request.write = function (chunk, encoding, callback) {
    if (typeof chunk !== "string" && !Buffer.isBuffer(chunk) && chunk?.constructor !== Uint8Array) {
      chunk = JSON.stringify(chunk);
    }
    if (!written && typeof this._onBeforeFirstWrite === "function") this._onBeforeFirstWrite((c) => write(c));
    written = true;
    return write(chunk, encoding, callback);
  };
  const fail = (error) => new Promise((resolve) => {
    request.addTrailers({
      [ERROR_TYPE_TRAILER]: error.errorType,
      [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(error)).toString("base64"),
    });
    request.end(resolve);
  });
  return { stream: writableOnly(request), done, fail };
}

async function invokeStreaming(handler, event, headers) {
  const { stream, done, fail } = createResponseStream(headers["lambda-runtime-aws-request-id"],
    handler[HANDLER_HIGHWATERMARK]);
  done.catch(() => {}); // awaited below; a refused stream must not count as an unhandled rejection
  const context = makeContext(headers, () => {});
  for (const legacy of ["done", "succeed", "fail"]) delete context[legacy]; // RIC's StreamingContext has none
  const failWith = (error) => {
    const formatted = formatError(error);
    logError("Invoke Error", formatted);
    return fail(formatted);
  };
  try {
    const returned = handler(event, stream, context);
    if (!returned || typeof returned.then !== "function") {
      await failWith("Streaming does not support non-async handlers.");
    } else if ((await returned) !== undefined) {
      console.warn("Streaming handlers ignore return values.");
    }
    if (!stream.writableFinished && !stream.writableEnded) await failWith("Response stream is not finished.");
  } catch (error) {
    if (!stream.writableEnded) await failWith(error);
    else logError("Invoke Error", formatError(error));
  }
  await done.catch(() => {});
}

// -- INIT: find the handler as RIC does --------------------------------------------------------
async function loadHandler(handlerString) {
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match || handlerString.includes("..")) {
    throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler");
  }
  const [, modulePath, exportPath] = match;
  const base = path.resolve(TASK_ROOT, modulePath);
  const moduleName = path.basename(base);
  let loaded;
  for (const candidate of [base, base + ".js", base + ".mjs", base + ".cjs"]) {
    if (!fs.existsSync(candidate) || fs.statSync(candidate).isDirectory()) continue;
    try {
      loaded = candidate.endsWith(".mjs") || candidate.endsWith(".js")
        ? await import(pathToFileURL(candidate).href)
        : createRequire(candidate)(candidate);
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw new RuntimeError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`);
      }
      throw error;
    }
    break;
  }
  if (loaded === undefined) {
    throw new RuntimeError("Runtime.ImportModuleError",
      `Error: Cannot find module '${moduleName}'\nRequire stack:\n- /var/runtime/index.mjs`);
  }
  let handler = exportPath.split(".").reduce((o, key) => (o == null ? undefined : o[key]), loaded);
  if (handler === undefined && loaded.default) {
    handler = exportPath.split(".").reduce((o, key) => (o == null ? undefined : o[key]), loaded.default);
  }
  if (handler === undefined) {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerString} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerString} is not a function`);
  }
  if (![undefined, null, false, STREAM_RESPONSE].includes(handler[HANDLER_STREAMING])) {
    throw new RuntimeError("Runtime.MalformedStreamingHandler", "Only response streaming is supported.");
  }
  if (CALLBACKS_REMOVED && handler.length >= 3 && handler[HANDLER_STREAMING] !== STREAM_RESPONSE) {
    throw new RuntimeError("Runtime.CallbackHandlerDeprecated",
      "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. " +
      "You need to modify this function to use a supported handler signature to use Node.js 24 or later. " +
      "For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.");
  }
  return handler;
}

// -- INVOKE ------------------------------------------------------------------------------------
function makeContext(headers, finish) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const parse = (h) => (headers[h] ? JSON.parse(headers[h]) : undefined);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parse("lambda-runtime-client-context"),
    identity: parse("lambda-runtime-cognito-identity"),
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    getRemainingTimeInMillis: () => deadline - now(),
  };
  if (CALLBACKS_REMOVED) {
    delete context.callbackWaitsForEmptyEventLoop;
  } else {
    // RIC 3's legacy completions: the first call wins; fail(undefined) is done("handled").
    context.done = (error, result) => finish(error, result, false);
    context.succeed = (result) => finish(null, result, false);
    context.fail = (error) => finish(error === undefined ? "handled" : error, null, false);
  }
  return context;
}

let onIdle = null; // RIC 3: a callback's result waits until the event loop has emptied
process.on("beforeExit", () => {
  if (onIdle) {
    const post = onIdle;
    onIdle = null;
    post();
  }
});

function invoke(handler, event, headers) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (error, result, waitForLoop) => {
      if (done) return;
      done = true;
      const settle = () => resolve({ error, result });
      if (waitForLoop) onIdle = settle;
      else settle();
    };
    const context = makeContext(headers, finish);
    const callback = (error, result) => finish(error, result, context.callbackWaitsForEmptyEventLoop);
    let returned;
    try {
      returned = CALLBACKS_REMOVED ? handler(event, context) : handler(event, context, callback);
    } catch (error) {
      return finish(error, null, false);
    }
    if (returned && typeof returned.then === "function") {
      returned.then((result) => finish(null, result, false), (error) => finish(error ?? new Error("undefined"), null, false));
    } else if (CALLBACKS_REMOVED) {
      finish(null, returned, false);
    } else if (handler.length < 3) {
      finish(null, null, true); // a plain return is ignored: null once the loop is empty
    }
  });
}

let current = null; // the invocation an uncaught error belongs to

async function fail(title, error, exitCode) {
  const formatted = formatError(error);
  logError(title, formatted);
  if (current) {
    await postError(`/invocation/${current}/error`, formatted).catch(() => {});
  }
  process.exit(exitCode);
}

process.on("uncaughtException", (error) => fail("Uncaught Exception", error, 129));
process.on("unhandledRejection", (reason) => {
  const error = new RuntimeError("Runtime.UnhandledPromiseRejection",
    reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
  error.stack = reason instanceof Error ? reason.stack : error.stack;
  fail("Unhandled Promise Rejection", error, 128);
});

async function main() {
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || "");
  } catch (error) {
    const formatted = formatError(error);
    logError("Uncaught Exception", formatted);
    await postError("/init/error", formatted);
    process.exit(129);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    if (next.status !== 200) process.exit(1);
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    if (next.headers["lambdakit-virtual-now-ms"]) virtualNow = Number(next.headers["lambdakit-virtual-now-ms"]);
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    currentRequestId = current = requestId;
    if (handler[HANDLER_STREAMING] === STREAM_RESPONSE) {
      await invokeStreaming(handler, JSON.parse(next.body || "null"), next.headers);
      current = null;
      continue;
    }
    let outcome;
    try {
      outcome = await invoke(handler, JSON.parse(next.body || "null"), next.headers);
    } catch (error) {
      outcome = { error };
    }
    if (outcome.error !== null && outcome.error !== undefined) {
      const formatted = formatError(outcome.error);
      logError("Invoke Error", formatted);
      await postError(`/invocation/${requestId}/error`, formatted);
    } else {
      let body;
      try {
        body = JSON.stringify(outcome.result === undefined ? null : outcome.result);
      } catch (error) {
        const formatted = { errorType: "Runtime.JSONStringifyError", errorMessage: "Unable to stringify response body", trace: [] };
        logError("Invoke Error", formatted);
        await postError(`/invocation/${requestId}/error`, formatted);
        continue;
      }
      await call("POST", `/invocation/${requestId}/response`, body, { "Content-Type": "application/json" });
    }
    current = null;
  }
}

main();
