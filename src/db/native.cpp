#include "db/native.h"

namespace pgrevise::db {

namespace {

// libpqxx 6.4 offers no accessor for its PGconn. An explicit template instantiation may name a private member
// ([temp.spec]), which gives a pointer-to-member without modifying or re-declaring the library's class.
struct HandleMember {
  using type = pqxx::internal::pq::PGconn* pqxx::connection_base::*;
  friend type member_of(HandleMember);
};

template <typename Tag, typename Tag::type Member>
struct ExposeMember {
  friend typename Tag::type member_of(Tag) { return Member; }
};

template struct ExposeMember<HandleMember, &pqxx::connection_base::m_conn>;

}  // namespace

PGconn* native_handle(pqxx::connection_base& c) {
  return c.*member_of(HandleMember{});
}

}  // namespace pgrevise::db
