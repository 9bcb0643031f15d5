# Drives bash's programmable completion as readline would: sources the
# script, fills COMP_WORDS/COMP_CWORD/COMP_LINE for the line "$2" (words
# split on spaces; a trailing space starts an empty word) and calls the
# function that `complete -p nest-kz` names. Prints one candidate per line.
source "$1"
read -r -a COMP_WORDS <<<"$2"
[[ "$2" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$2"
COMP_POINT=${#COMP_LINE}
fn=$(complete -p nest-kz | sed -E 's/.*-F ([^ ]+).*/\1/')
"$fn" nest-kz "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
