#include "common/hash.h"

#include <cctype>
#include <fstream>
#include <vector>

#include <openssl/evp.h>

#include "common/error.h"

namespace pgrevise {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

void Sha256::update_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, "cannot read " + file.string());
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw Error(ErrorKind::kIo, "error reading " + file.string());
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(digits[md[i] >> 4]);
    out.push_back(digits[md[i] & 0xf]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

std::string sha256_file_hex(const std::filesystem::path& file) {
  Sha256 h;
  h.update_file(file);
  return h.hex_digest();
}

std::string name_with_suffix(std::string_view name, std::string_view suffix, std::size_t max_length) {
  if (name.size() + suffix.size() <= max_length) return std::string(name) + std::string(suffix);
  const std::size_t taken = suffix.size() + kNameHashLength + 1;
  std::string prefix(name.substr(0, max_length > taken ? max_length - taken : 0));
  while (!prefix.empty() && std::isalnum(static_cast<unsigned char>(prefix.back())) == 0) prefix.pop_back();
  const std::string hash = sha256_hex(name).substr(0, kNameHashLength);
  return (prefix.empty() ? hash : prefix + "-" + hash) + std::string(suffix);
}

}  // namespace pgrevise
