// One reader per configuration section. Each lives in read_<section>.cpp next to this file and
// is owned by the component it configures.
#pragma once

#include "fbl/config/config.h"
#include "fbl/config/config_reader.h"

namespace fbl {

void ReadLogOptions(ConfigReader& r, LogOptions* out);           // [log]
void ReadStoreOptions(ConfigReader& r, StoreOptions* out);       // [store]
void ReadParseOptions(ConfigReader& r, ParseOptions* out);       // [parse]
void ReadSourcesOptions(ConfigReader& r, SourcesOptions* out);   // [[maildir]], [[imap]], [pipe]
void ReadImapSources(ConfigReader& r, SourcesOptions* out);      // [[imap]] (read_imap.cpp)
void ReadPipelineOptions(ConfigReader& r, PipelineOptions* out); // [trust], [[provider]], [[client]], [fbl_id]
void ReadApiOptions(ConfigReader& r, ApiOptions* out);           // [api]
void ReadNotifyOptions(ConfigReader& r, NotifyOptions* out);     // [notify]
void ReadAlertsOptions(ConfigReader& r, AlertsOptions* out);     // [policy], [detectors], [maillog]
void ReadDaemonOptions(ConfigReader& r, DaemonOptions* out);     // [daemon] (read_daemon.cpp)

}  // namespace fbl
