#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgrevise {

// The connection text libpq is given for what a user wrote as a database URL. Every path that takes a URL
// (--database-url, DATABASE_URL, `apply`, the operator's Secret and the Jobs it runs) goes through this, so
// they accept the same forms:
//  - libpq's own: postgresql://…, postgres://… and keyword/value settings (host=… dbname=…), unchanged;
//  - SQLAlchemy's: postgresql+DRIVER://… and postgres+DRIVER://… (psycopg2, psycopg, asyncpg, pg8000, …),
//    the driver dropped, as Flask's and Alembic's configuration files write them; the scheme is
//    case-insensitive, as in SQLAlchemy.
// Any other scheme (mysql://, sqlite:///…) throws Error(kBadInput) "<source>: <url_scheme_problem>"; `source`
// names where the text came from ("--database-url", "DATABASE_URL").
std::string libpq_connection_text(std::string_view text, std::string_view source);

// Why `text` is a URL of a scheme other than PostgreSQL's, naming the scheme and never the rest of the URL;
// nullopt for the forms libpq_connection_text accepts.
std::optional<std::string> url_scheme_problem(std::string_view text);

}  // namespace pgrevise
