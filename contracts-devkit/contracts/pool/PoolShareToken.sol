// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title PoolShareToken
/// @notice A data pool's share token: minted to members for accepted contributions and burned when
/// a contribution is withdrawn or removed. Only the pool (the deployer) mints and burns.
/// @dev Shares are not transferable and every holder is its own delegate, so an account's votes
/// always equal its balance and `getPastVotes` is its past balance. The pool pays revenue pro rata
/// to `getPastVotes(member, t) / getPastTotalSupply(t)`, and the governor counts the same numbers,
/// so nobody can buy, borrow or borrow-by-delegation voting power or a revenue share.
/// Clock: block numbers (ERC-6372 default).
contract PoolShareToken is ERC20, ERC20Votes {
    /// @notice The DataPool that deployed this token; the only account that mints and burns.
    address public immutable pool;

    /// @notice Someone other than the pool tried to mint or burn.
    error PoolShareOnlyPool(address caller);
    /// @notice Shares move only by minting and burning.
    error PoolShareNonTransferable();
    /// @notice Votes follow shares; delegating them elsewhere is not possible.
    error PoolShareDelegationDisabled();

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) EIP712(name_, "1") {
        pool = msg.sender;
    }

    modifier onlyPool() {
        if (msg.sender != pool) revert PoolShareOnlyPool(msg.sender);
        _;
    }

    /// @notice Mints `amount` shares to `to` (pool only).
    function mint(address to, uint256 amount) external onlyPool {
        _mint(to, amount);
    }

    /// @notice Burns `amount` shares of `from` (pool only).
    function burn(address from, uint256 amount) external onlyPool {
        _burn(from, amount);
    }

    /// @notice Always reverts: votes stay with the shares' holder.
    function delegate(address) public pure override {
        revert PoolShareDelegationDisabled();
    }

    /// @notice Always reverts: votes stay with the shares' holder.
    function delegateBySig(address, uint256, uint256, uint8, bytes32, bytes32) public pure override {
        revert PoolShareDelegationDisabled();
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        if (from != address(0) && to != address(0)) revert PoolShareNonTransferable();
        // Self-delegate before the first mint so the minted units become votes at once.
        if (to != address(0) && delegates(to) == address(0)) _delegate(to, to);
        super._update(from, to, value);
    }
}
