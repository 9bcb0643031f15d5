/* Stands in for ArgoCD's `argocd` binary in its askpass role (GIT_ASKPASS=
 * argocd, found on PATH in /var/run/argocd): the real one asks the
 * repo-server over ARGOCD_ASK_PASS_SOCK for the credentials registered
 * under ARGOCD_GIT_ASKPASS_NONCE; this one reads them from the file
 * askpass-<nonce> beside itself (user on the first line, password on the
 * second). Built static by scripts/image-test.py, since the image has no
 * libc of its own for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *nonce = getenv("ARGOCD_GIT_ASKPASS_NONCE");
    char path[512], user[256] = "", password[256] = "";
    if (argc < 2 || !nonce || strchr(nonce, '/')) return 1;
    snprintf(path, sizeof path, "/var/run/argocd/askpass-%s", nonce);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    if (!fgets(user, sizeof user, f) || !fgets(password, sizeof password, f)) return 1;
    fclose(f);
    if (!strncmp(argv[1], "Username", 8)) fputs(user, stdout);
    else if (!strncmp(argv[1], "Password", 8)) fputs(password, stdout);
    else return 1;
    return 0;
}
