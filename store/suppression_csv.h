// Suppression lists in the CSV layouts of other sending services, so that a customer can
// migrate in and out (fblctl suppressions import/export). Pure: text in, rows out.
//
//   ses       address,BOUNCE|COMPLAINT            (SES suppression-list import file; the header
//                                                 row is optional on import, not written)
//   sendgrid  email,created,reason,status          (bounces; also reads spam reports
//                                                 "email,created,ip" and unsubscribes
//                                                 "email,created")
//   mailgun   address,code,error,created_at        (bounces; also reads complaints
//                                                 "address,created_at" and unsubscribes
//                                                 "address,tags,created_at")
//   postmark  EmailAddress,SuppressionReason,Origin,CreatedAt
//                                                 (HardBounce|SpamComplaint|ManualSuppression)
// Reasons map as documented in docs/cli.md; a file's kind is read from its header.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace fbl {

enum class CsvFormat { kSes, kSendgrid, kMailgun, kPostmark };

std::optional<CsvFormat> ParseCsvFormat(std::string_view name);  // "ses", "sendgrid", ...

struct CsvImportRow {
  std::size_t line = 0;  // 1-based line of the file
  std::string address;   // as written; the store normalises it
  SuppressionReason reason = SuppressionReason::kManual;
};

struct CsvLineError {
  std::size_t line = 0;
  std::string reason;
};

struct CsvImport {
  std::vector<CsvImportRow> rows;
  std::vector<CsvLineError> errors;
};

// Limits: a record (line) of at most 64 KiB; a file of at most 50,000,000 records. A file that
// breaks a limit or has an unusable header yields one error and no rows.
CsvImport ParseSuppressionCsv(std::string_view text, CsvFormat format);

// The header line written by export (empty for ses), with its newline.
std::string CsvHeader(CsvFormat format);
// One exported record for `s`, with its newline ("\r\n"-free; fields quoted per RFC 4180).
std::string CsvRow(CsvFormat format, const Suppression& s);

}  // namespace fbl
