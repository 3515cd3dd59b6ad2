/** HR exports: results and monitoring, as CSV or XLSX, streamed from the database. */
export { exportResults, standingPredicate } from './results.js';
export { exportMonitoring } from './monitoring.js';
export { ExportRequestError, resolveScope, type ExportOptions, type ExportOutcome, type ExportScope, type ExportCycle } from './scope.js';
export { CsvReportWriter } from './csv-writer.js';
export { XlsxReportWriter } from './xlsx-writer.js';
export { EXPORT_LANGUAGES, type ExportLanguage, type Translate } from './labels.js';
export type { Column, CellValue, Row, ReportWriter } from './cell.js';
