import { rm } from 'node:fs/promises';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import multer from 'multer';
import { AppError } from '../web/errors';

// The body of an import: a CSV file (multipart, checked first) or the checked file sent
// back to confirm it (urlencoded, base64). Mounted after sign-in, the role check and the
// CSRF check, so nobody else makes the server read a byte of it; refused early when its
// declared length is too large; written to a temporary file (never held in memory) and
// read from there as a stream; a few imports at a time per instance.

export const IMPORT_PATH = '/exports/import';
const MAX_UPLOAD_BYTES = 5_000_000;
/** The confirmation carries the file base64-encoded (a third larger) and a few short fields. */
const MAX_CONFIRM_BYTES = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 64 * 1024;
const MAX_CONCURRENT_IMPORTS = 2;

const tooLarge = () => new AppError(413, 'too_large', 'msg.import.too_large', { megabytes: MAX_UPLOAD_BYTES / 1_000_000 });
const badUpload = () => new AppError(400, 'bad_upload', 'msg.import.bad_upload');

const refuseDeclaredTooLarge: RequestHandler = (req, _res, next) => {
  if (Number(req.headers['content-length']) > MAX_CONFIRM_BYTES) throw tooLarge();
  next();
};

let running = 0;
/** More than MAX_CONCURRENT_IMPORTS at once on this instance: 503, try again shortly. */
const fewAtATime: RequestHandler = (_req, res, next) => {
  if (running >= MAX_CONCURRENT_IMPORTS) throw new AppError(503, 'imports_busy', 'msg.import.busy');
  running += 1;
  let released = false;
  res.once('close', () => {
    if (!released) running -= 1;
    released = true;
  });
  next();
};

const multipart = multer({
  storage: multer.diskStorage({}),
  limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12, headerPairs: 50 },
}).single('file');

/** Deletes the temporary file once the response is sent, whatever happened. */
const removeUploadAfterwards: RequestHandler = (req, res, next) => {
  res.once('close', () => {
    // multer removes what it wrote itself when the upload fails; a path is there once it is whole.
    const path = req.file?.path;
    if (path) rm(path, { force: true }).catch(() => undefined);
  });
  next();
};

/** The upload's own errors (too large, too many parts, a cut-off body) as a clear 413 or 400. */
const uploadErrors: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
  if (error instanceof AppError) next(error);
  else if (error instanceof multer.MulterError)
    next(error.code === 'LIMIT_FILE_SIZE' || error.code === 'LIMIT_FIELD_VALUE' ? tooLarge() : badUpload());
  else next((error as { status?: unknown }).status === 413 ? tooLarge() : badUpload());
};

export const importBody: Array<RequestHandler | ErrorRequestHandler> = [
  refuseDeclaredTooLarge,
  fewAtATime,
  removeUploadAfterwards,
  multipart,
  express.urlencoded({ extended: false, limit: MAX_CONFIRM_BYTES, parameterLimit: 10 }),
  uploadErrors,
];
