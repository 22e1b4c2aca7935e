#include "agent.h"
int verb_run(int argc, char *argv[]) { return 2; }
