# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for sandrun(1)

_sandrun() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
        local opts="--lang --stdin --no-stdin --tests --timeout --server --pin --insecure --watch --metrics --quiet
                    --help --version --list-languages --receipt --key --seal --seal-to --identity"
        local submit_opts="--entrypoint --outputs --output-dir --env"

        case $prev in
        -l|--lang)
                COMPREPLY=($(compgen -W "python bash sh node perl c cpp go rust" -- "$cur"))
                return ;;
        -i|--stdin|--tests|--receipt|--key|--identity|-e|--entrypoint)
                COMPREPLY=($(compgen -f -- "$cur"))
                return ;;
        -o|--output-dir)
                COMPREPLY=($(compgen -d -- "$cur"))
                return ;;
        -t|--timeout|-s|--server|--pin|-O|--outputs|-E|--env|--seal-to)
                return ;;
        esac

        local i word command=
        for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                case $word in
                run|submit|verify|unseal) command=$word; break ;;
                --) break ;;
                -*) ;;
                *) break ;;     # the program file: the rest are its arguments
                esac
        done

        if [[ $cur == -* ]]; then
                [[ $command == submit || $command == run ]] && opts="$opts $submit_opts"
                COMPREPLY=($(compgen -W "$opts" -- "$cur"))
                return
        fi
        if [[ -z $command && $i -ge $COMP_CWORD ]]; then
                COMPREPLY=($(compgen -W "run submit verify unseal" -- "$cur") $(compgen -f -- "$cur"))
                return
        fi
        COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _sandrun sandrun
