// The one way fbld and fblctl open the store: the backend named by options.backend.
#pragma once

#include <memory>

#include "parsers/result.h"
#include "store/store.h"
#include "store/store_options.h"

namespace fbl {

// "sqlite": SqliteStore (store/sqlite_store.h; creates and migrates the file).
// "postgresql": PgStore (store/pg_store.h; connects with options.dsn and migrates).
// Anything else: kInvalidArgument. Defined in store/pg_store.cpp.
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

}  // namespace fbl
