#include "agent.h"
int verb_register(int argc, char *argv[]) { return 2; }
int verb_run(int argc, char *argv[]) { return 2; }
