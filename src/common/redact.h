#pragma once

#include <string>
#include <string_view>

namespace pgrevise {

// Secrets never leave the process in clear: every log line, report, status message and event passes through
// redact(). Two mechanisms, because neither alone is enough:
//  - structural: passwords inside connection URLs (scheme://user:PASSWORD@host) and keyword DSNs
//    (password=PASSWORD) are masked wherever they appear;
//  - registered: values known to be secret (read from a Secret, a passfile, PGPASSWORD) are registered once
//  and
//    masked wherever they appear, even in a database error message that echoes them.
inline constexpr std::string_view kRedacted = "******";

void register_secret(std::string_view secret);
std::string redact(std::string_view text);

// A connection URL or DSN with its password masked, for display.
std::string redact_connection_string(std::string_view conn);

// SQL text for display where a literal could hold a secret (ALTER ROLE ... PASSWORD '...', a token in an
// INSERT): the contents of every string literal ('...', E'...', $tag$...$tag$) become "...", then redact().
// Identifiers, keywords and numbers stay, so the statement is still recognisable:
// "ALTER ROLE app PASSWORD '...'".
std::string redact_sql(std::string_view sql);

}  // namespace pgrevise
