#include "parsers/dmarc.h"

#include <zlib.h>

#include <cstdint>

#include "parsers/text_util.h"

namespace fbl {
namespace {

// Inflates with the given zlib window bits (16+MAX_WBITS: gzip, -MAX_WBITS: raw deflate).
Result<std::string> Inflate(std::string_view data, int window_bits, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return MakeError(ErrorCode::kInternal, "inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), UINT32_MAX));
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    std::size_t produced = sizeof buf - zs.avail_out;
    if (out.size() + produced > max_out) {
      inflateEnd(&zs);
      return MakeError(ErrorCode::kLimitExceeded, "decompressed attachment exceeds the limit");
    }
    out.append(buf, produced);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input: keep what we have
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END && rc != Z_BUF_ERROR && out.empty()) {
    return MakeError(ErrorCode::kMalformed, "invalid compressed data");
  }
  return out;
}

std::uint32_t Le16(std::string_view d, std::size_t at) {
  return static_cast<unsigned char>(d[at]) | (static_cast<unsigned char>(d[at + 1]) << 8);
}

std::uint32_t Le32(std::string_view d, std::size_t at) {
  return Le16(d, at) | (Le16(d, at + 2) << 16);
}

std::string TagText(std::string_view xml, std::string_view tag, std::size_t from) {
  std::string open;  // built by append: GCC 12 -O3 warns (-Wrestrict) on "<" + string
  open.reserve(tag.size() + 2);
  open.push_back('<');
  open.append(tag);
  open.push_back('>');
  std::size_t b = xml.find(open, from);
  if (b == std::string_view::npos) return "";
  b += open.size();
  std::size_t e = xml.find('<', b);
  if (e == std::string_view::npos || e - b > 255) return "";
  return text::Lower(text::Trim(xml.substr(b, e - b)));
}

}  // namespace

Result<std::string> Gunzip(std::string_view data, std::size_t max_out) {
  return Inflate(data, 16 + MAX_WBITS, max_out);
}

Result<std::string> UnzipFirst(std::string_view data, std::size_t max_out) {
  if (data.size() < 30 || Le32(data, 0) != 0x04034b50) return MakeError(ErrorCode::kMalformed, "not a zip archive");
  std::uint32_t method = Le16(data, 8);
  std::uint32_t compressed = Le32(data, 18);
  std::size_t start = 30 + Le16(data, 26) + Le16(data, 28);
  if (start > data.size()) return MakeError(ErrorCode::kMalformed, "truncated zip header");
  std::string_view payload = data.substr(start);
  if (compressed != 0 && compressed < payload.size()) payload = payload.substr(0, compressed);
  if (method == 0) {
    if (payload.size() > max_out) return MakeError(ErrorCode::kLimitExceeded, "zip member exceeds the limit");
    return std::string(payload);
  }
  if (method != 8) return MakeError(ErrorCode::kMalformed, "unsupported zip compression method");
  return Inflate(payload, -MAX_WBITS, max_out);
}

bool IsDmarcAggregateXml(std::string_view xml, std::string* domain) {
  std::size_t feedback = xml.find("<feedback");
  if (feedback == std::string_view::npos) return false;
  if (xml.find("<report_metadata", feedback) == std::string_view::npos &&
      xml.find("<policy_published", feedback) == std::string_view::npos) {
    return false;
  }
  std::size_t policy = xml.find("<policy_published", feedback);
  if (policy != std::string_view::npos) *domain = TagText(xml, "domain", policy);
  return true;
}

bool LooksLikeDmarcAggregate(std::string_view data, std::size_t max_decompressed, std::string* domain) {
  if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b) {
    Result<std::string> xml = Gunzip(data, max_decompressed);
    return xml.ok() && IsDmarcAggregateXml(*xml, domain);
  }
  if (data.size() >= 4 && data.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
    Result<std::string> xml = UnzipFirst(data, max_decompressed);
    return xml.ok() && IsDmarcAggregateXml(*xml, domain);
  }
  return IsDmarcAggregateXml(data.substr(0, std::min(data.size(), max_decompressed)), domain);
}

}  // namespace fbl
