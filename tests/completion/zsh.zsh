# Drives zsh's completion system in a pseudo-terminal (zsh/zpty): an
# interactive zsh with compinit loads the script, the line "$2" is typed and
# a key bound to list-choices pressed; prints what zsh writes back.
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z 'PS1="%% "; autoload -Uz compinit; compinit -u -D'
zpty -w z "source ${(q)1}"
zpty -w z 'zstyle ":completion:*" list-prompt ""; LISTMAX=1000; zle -C list-all list-choices _main_complete; bindkey "^X" list-all'
zpty -w -n z "$2"$'\x18'
sleep 2
out=""
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
