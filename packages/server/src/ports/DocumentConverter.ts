/** A document turned into a PDF Amphi can present. */
export interface ConvertedDocument {
  pdf: Buffer;
  pages: number;
}

/**
 * Checks an upload and turns it into a PDF (office documents through LibreOffice). Refuses
 * with `document.unsupported`, `document.encrypted`, `document.malformed` or
 * `document.too_large` (too many pages).
 */
export interface DocumentConverter {
  convert(data: Buffer, fileName: string): Promise<ConvertedDocument>;
}
