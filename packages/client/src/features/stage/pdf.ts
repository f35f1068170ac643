import type { PDFDocumentProxy } from 'pdfjs-dist';

type PdfJs = typeof import('pdfjs-dist');

/** Where the build put pdf.js (versioned, so it is cached for good). */
const BASE = process.env.PDFJS_BASE ?? '/vendor/pdfjs/';

let library: Promise<PdfJs> | undefined;

/** pdf.js, loaded the first time a document is shown (a variable URL: the bundler leaves it alone). */
function pdfjs(): Promise<PdfJs> {
  if (!library) {
    const url = `${BASE}pdf.min.mjs`;
    library = (import(/* @vite-ignore */ url) as Promise<PdfJs>).then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = `${BASE}pdf.worker.min.mjs`;
      return lib;
    });
    library.catch(() => (library = undefined));
  }
  return library;
}

const opened = new Map<string, Promise<PDFDocumentProxy>>();

/** The document, fetched and parsed once per page load (ids are unique). */
export function openPdf(documentId: string, fetchPdf: () => Promise<ArrayBuffer>): Promise<PDFDocumentProxy> {
  let doc = opened.get(documentId);
  if (!doc) {
    doc = Promise.all([pdfjs(), fetchPdf()]).then(
      ([lib, data]) =>
        lib.getDocument({
          data: new Uint8Array(data),
          // Amphi's content security policy forbids eval; pdf.js then draws fonts another way.
          isEvalSupported: false,
          standardFontDataUrl: `${BASE}standard_fonts/`,
          cMapUrl: `${BASE}cmaps/`,
          cMapPacked: true,
        }).promise,
    );
    opened.set(documentId, doc);
    doc.catch(() => opened.delete(documentId));
  }
  return doc;
}
