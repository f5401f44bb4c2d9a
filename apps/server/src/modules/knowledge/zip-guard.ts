import yauzl, { type Entry, type ZipFile } from "yauzl";
import { AppError } from "../../kernel/app-error.ts";

/** How much a zip (a DOCX) may unpack to before it is treated as a decompression bomb. */
export interface ZipLimits {
  /** Most entries (files and folders) in the archive. */
  maxEntries: number;
  /** Most bytes all entries unpack to, together (counted as they inflate). */
  maxTotalBytes: number;
  /** Most bytes out per byte in, per entry and for the whole archive. */
  maxRatio: number;
}

/**
 * Limits for Office documents. A real DOCX has a few dozen entries; its XML inflates about ten
 * times and its pictures not at all, so 100 MiB and a ratio of 100 (Apache POI's default) leave
 * room for any genuine document while a bomb (gigabytes of zeros) stops within the first MiBs.
 */
export const DOCX_LIMITS: ZipLimits = { maxEntries: 2_000, maxTotalBytes: 100 * 1024 * 1024, maxRatio: 100 };

/** Bytes an entry may inflate to before its ratio is judged (tiny entries compress absurdly well). */
const RATIO_GRACE_BYTES = 1024 * 1024;

/** The start of an OLE compound file: how Office stores a password-protected document. */
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * Checks that `bytes` is a zip archive that is safe to unpack: not too many entries, no encrypted
 * entry, and every entry inflated for real (yauzl, streaming, sizes validated) while counting the
 * bytes that come out, never trusting the sizes the archive declares: it stops at the first byte
 * over `maxTotalBytes`, or over `maxRatio` times the entry's (or the archive's) compressed size.
 * @throws AppError `validation.failed` naming the problem in words a person can act on.
 * @example
 * await assertSafeZip(await readFile("report.docx"), DOCX_LIMITS);
 */
export async function assertSafeZip(bytes: Buffer, limits: ZipLimits, what = "DOCX"): Promise<void> {
  if (bytes.subarray(0, OLE_MAGIC.length).equals(OLE_MAGIC))
    throw unsafe(`The ${what} is password-protected; upload a copy without a password`);
  let zip: ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, {
      lazyEntries: true,
      validateEntrySizes: true,
      decodeStrings: true,
      strictFileNames: false,
    });
  } catch (error) {
    throw unsafe(`The file is not a ${what} (not a zip archive)`, error);
  }
  try {
    if (zip.entryCount > limits.maxEntries)
      throw unsafe(`The ${what} holds ${zip.entryCount} files; at most ${limits.maxEntries} are accepted`);
    const total = { bytes: 0 };
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      if (entry.isEncrypted()) throw unsafe(`The ${what} is encrypted; upload a copy without a password`);
      // Declared sizes only ever refuse early; what is accepted is what really inflates.
      if (entry.uncompressedSize > limits.maxTotalBytes) throw bomb(what);
      if (!entry.fileName.endsWith("/")) await inflate(zip, entry, total, bytes.length, limits, what);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unsafe(`The ${what} is damaged`, error);
  } finally {
    zip.close();
  }
}

/** The next entry, or null at the end (lazy: one entry is read at a time). */
function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off("entry", onEntry).off("end", onEnd).off("error", onError);
    };
    const onEntry = (entry: Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    zip.on("entry", onEntry).on("end", onEnd).on("error", onError);
    zip.readEntry();
  });
}

/** Inflates one entry, counting its bytes into `total`; stops at the first byte over a limit. */
async function inflate(
  zip: ZipFile,
  entry: Entry,
  total: { bytes: number },
  archiveBytes: number,
  limits: ZipLimits,
  what: string,
): Promise<void> {
  const stream = await zip.openReadStreamPromise(entry);
  const entryCap = Math.max(RATIO_GRACE_BYTES, limits.maxRatio * entry.compressedSize);
  const archiveCap = Math.min(
    limits.maxTotalBytes,
    Math.max(RATIO_GRACE_BYTES, limits.maxRatio * archiveBytes),
  );
  let inflated = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      total.bytes += chunk.length;
      if (inflated > entryCap || total.bytes > archiveCap) throw bomb(what);
    }
  } finally {
    stream.destroy();
  }
}

function bomb(what: string): AppError {
  return unsafe(
    `The ${what} unpacks to far more data than a document holds (a decompression bomb?); it was not read`,
  );
}

function unsafe(message: string, cause?: unknown): AppError {
  return new AppError("validation.failed", message, cause === undefined ? {} : { cause });
}
