// Everything lives in include/CPageoutSys.h as static inline functions; a C target needs one .c file.
#include "CPageoutSys.h"
