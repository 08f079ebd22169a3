// fbld: the feedback-loop daemon. Everything lives in fbl/daemon/daemon.h.
#include "fbl/daemon/daemon.h"

int main(int argc, char** argv) { return fbl::FbldMain(argc, argv); }
