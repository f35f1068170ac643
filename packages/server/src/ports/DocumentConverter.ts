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
  /** `ticket` says whose turn it is in the converter's line (meeting, address, person): see FairLine. */
  convert(data: Buffer, fileName: string, ticket?: ConversionTicket): Promise<ConvertedDocument>;
}

/** Who asks for a conversion, for the converter's fair line. */
export interface ConversionTicket {
  meeting: string;
  address: string;
  person: string;
}
