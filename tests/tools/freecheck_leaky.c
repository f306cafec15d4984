/* freecheck_leaky: the freecheck tests' control, a program that frees a
 * line of standard input without zeroing it (as careless code would). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
    char *line = malloc(256);

    if (line == NULL || fgets(line, 256, stdin) == NULL)
        return 1;
    free(line);
    return 0;
}
