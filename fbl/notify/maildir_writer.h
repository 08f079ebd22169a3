// Delivery into a Maildir (the embedded default transport): write into tmp/, fsync, rename
// into new/, fsync the directory — the message is either fully there or not at all.
#pragma once

#include <string>
#include <string_view>

#include "parsers/result.h"

namespace fbl::notify {

// Creates dir/{tmp,new,cur} when missing. `unique` names the file (with the time and pid);
// characters other than [A-Za-z0-9._-] in it are dropped. kIo on any file-system failure.
Status WriteToMaildir(const std::string& dir, std::string_view unique, std::string_view message);

}  // namespace fbl::notify
